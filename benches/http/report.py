"""report.py RAW_DIR OUT_JSON SETTINGS — wrk outputs to a table and a JSON file."""
import json
import platform
import re
import sys
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * UNITS[unit]


def parse(text):
    out = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["req_s"] = float(m.group(1)) if m else None
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", text, re.M):
        out[f"p{pct}_ms"] = ms(value)
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    out["socket_errors"] = m.group(1).strip() if m else None
    m = re.search(r"(\d+) threads and (\d+) connections", text)
    out["connections"] = int(m.group(2)) if m else None
    return out


raw, out_path, settings = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
rows = {p.stem: parse(p.read_text()) for p in sorted(raw.glob("*.txt"))}
result = {"settings": settings, "machine": f"{platform.machine()}, {platform.node()}", "routes": rows}
out_path.write_text(json.dumps(result, indent=2))
print(f"\n{'route':34} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
for name, r in rows.items():
    fmt = lambda v: "-" if v is None else f"{v:.2f}"
    print(f"{name:34} {r['connections'] or '-':>5} {r['req_s'] or 0:>9.0f} {fmt(r.get('p50_ms')):>8} "
          f"{fmt(r.get('p99_ms')):>8} {r['non_2xx']:>8}")
print(f"({settings}; JSON in {out_path})")
