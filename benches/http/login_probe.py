#!/usr/bin/env python3
"""Login probe: the figures behind the login limiter and password hashing.

Run against a server with three users, `race`, `timing` and `load`, each with
the password `probe-password` (each part of the probe spends its own account's
limits):

    python3 benches/http/login_probe.py http://127.0.0.1:8000

It prints, from several loopback source addresses (127.0.0.x) so that the
per-address limits do not hide what is measured:
  - how many of 40 and of 200 parallel wrong logins from one address got their
    password checked (401) rather than refused unchecked (429);
  - the median time of a wrong password for a known user and of any password for
    an unknown user (a large gap tells usernames apart);
  - /api/healthz/ p50 and p99 alone and while 32 clients log in continuously.
Standard library only.
"""

import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

BASE = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")


def request(method, path, body=None, source="127.0.0.1"):
    conn = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=60, source_address=(source, 0))
    headers = {"Host": f"127.0.0.1:{BASE.port}"}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, elapsed


def login(username, password, source):
    return request("POST", "/api/auth/token/", {"username": username, "password": password}, source)


def parallel_wrong_logins(n, source):
    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = list(pool.map(lambda _: login("race", "wrong-password", source)[0], range(n)))
    return statuses.count(401), statuses.count(429)


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def healthz_latencies(seconds):
    out = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        out.append(request("GET", "/api/healthz/")[1])
    return out


def main():
    checked, refused = parallel_wrong_logins(40, "127.0.0.10")
    print(f"40 parallel wrong logins from one address: {checked} checked, {refused} refused")
    time.sleep(0.5)
    checked, refused = parallel_wrong_logins(200, "127.0.0.11")
    print(f"then 200 from another address: {checked} checked, {refused} refused")

    known, unknown = [], []
    for n in range(8):
        source = f"127.0.1.{n + 1}"
        known.append(login("timing", "wrong-password", source)[1])
        unknown.append(login(f"nobody{n}", "wrong-password", source)[1])
    print(
        f"wrong password, known user: median {statistics.median(known) * 1000:.1f} ms; "
        f"unknown user: median {statistics.median(unknown) * 1000:.1f} ms"
    )

    alone = healthz_latencies(3)
    stop = threading.Event()

    def keep_logging_in(n):
        while not stop.is_set():
            login("load", "probe-password", f"127.0.2.{n + 1}")

    threads = [threading.Thread(target=keep_logging_in, args=(n,)) for n in range(32)]
    for t in threads:
        t.start()
    time.sleep(1)
    loaded = healthz_latencies(5)
    stop.set()
    for t in threads:
        t.join()
    print(
        f"healthz alone: p50 {percentile(alone, 0.5) * 1000:.1f} ms, p99 {percentile(alone, 0.99) * 1000:.1f} ms; "
        f"with 32 clients logging in: p50 {percentile(loaded, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(loaded, 0.99) * 1000:.1f} ms ({len(loaded)} requests)"
    )


if __name__ == "__main__":
    main()
