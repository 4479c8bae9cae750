"""Native mode: the harness without Docker (added by AfterResume, see NATIVE.md).

With ``BENCH_NATIVE=1`` the harness runs its own Postgres cluster from the host's
binaries (``initdb``/``pg_ctl`` under ``BENCH_PG_BIN``, data in ``BENCH_PGDATA``, the
harness's ``postgres.conf`` included) on the port and user the pinned setup uses,
so every Docker step has a host equivalent:

* ``docker compose up`` / ``down -v``: ``initdb`` + ``pg_ctl start`` / ``pg_ctl stop``
  and the data directory removed, so each system still starts on a fresh cluster;
* ``docker compose stop`` / ``start`` (the postgres-restart chaos phase):
  ``pg_ctl stop -m fast`` (what the postgres image's SIGINT stop signal does) and
  ``pg_ctl start``;
* ``docker run`` of an adapter image: the adapter run from its own directory with
  the interpreter the run script installed its packages for (``BENCH_PYTHON``,
  ``BENCH_NODE``).

It also registers AfterResume's two adapters: ``afterresume`` (Postgres job store
with its store queue) and ``afterresume-redis`` (the same store, queue on the
Redis at ``BENCH_REDIS_URL``); both run the binary at ``AFTERRESUME_ADAPTER_BIN``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from . import adapters as adapters_mod
from .adapters import (
    ADAPTERS,
    AdapterEntry,
    AdapterManifest,
    LaunchSpec,
    SCRIPT_DIR,
    _base_env,
    pg_url,
)

ENABLED = os.environ.get("BENCH_NATIVE") == "1"


def _setting(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise RuntimeError(f"native mode: {name} is not set (the run script sets it)")
    return value


# ─── Postgres lifecycle ──────────────────────────────────────────────────


def _as_postgres_user(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the OS user that
    owns the data directory when the harness itself runs as root."""
    if os.geteuid() != 0:
        return argv
    user = os.environ.get("BENCH_PG_OS_USER", "postgres")
    return ["runuser", "-u", user, "--", *argv]


def _pg(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    argv = _as_postgres_user([str(Path(_setting("BENCH_PG_BIN")) / tool), *args])
    print(f"[harness] $ {' '.join(argv)}", file=sys.stderr)
    return subprocess.run(argv, check=check)


def _data_dir() -> Path:
    return Path(_setting("BENCH_PGDATA"))


def _log_file() -> Path:
    return _data_dir().parent / "postgres.log"


def _initdb() -> None:
    data = _data_dir()
    data.parent.mkdir(parents=True, exist_ok=True)
    data.mkdir(mode=0o700, exist_ok=True)
    if os.geteuid() == 0:
        user = os.environ.get("BENCH_PG_OS_USER", "postgres")
        shutil.chown(data, user, user)
        _log_file().touch()
        shutil.chown(_log_file(), user, user)
    _pg(
        "initdb",
        "-D",
        str(data),
        "-U",
        adapters_mod.PG_USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--no-instructions",
    )
    conf = (SCRIPT_DIR / "postgres.conf").read_text()
    with (data / "postgresql.conf").open("a") as fh:
        fh.write("\n# The harness's pinned settings (postgres.conf), then the port.\n")
        fh.write(conf)
        fh.write(f"\nport = {adapters_mod.PG_PORT}\n")


def _wait_query_ready(what: str) -> None:
    last_error: Exception | None = None
    for _ in range(60):
        try:
            with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
                conn.execute("SELECT 1").fetchone()
            return
        except psycopg.Error as exc:
            last_error = exc
            time.sleep(1)
    raise RuntimeError(f"Postgres {what} but never became query-ready: {last_error}")


def start_postgres() -> None:
    if not (_data_dir() / "PG_VERSION").exists():
        _initdb()
    _pg("pg_ctl", "-D", str(_data_dir()), "-l", str(_log_file()), "-w", "-t", "60", "start")
    _wait_query_ready("started")


def stop_postgres_server() -> None:
    if (_data_dir() / "postmaster.pid").exists():
        _pg("pg_ctl", "-D", str(_data_dir()), "-m", "fast", "-w", "stop", check=False)


def remove_postgres() -> None:
    """``docker compose down -v``: stop the server and drop its data."""
    stop_postgres_server()
    if os.environ.get("KEEP_DB"):
        print("[harness] KEEP_DB set — leaving the data directory for inspection")
        return
    shutil.rmtree(_data_dir(), ignore_errors=True)


def restart_postgres() -> None:
    stop_postgres_server()
    start_postgres()


# ─── Adapters run on the host ────────────────────────────────────────────


def _no_build(skip: bool) -> None:
    """The run script builds and installs every native adapter before the run."""


def _in_dir(directory: str, argv: list[str]):
    def launch(manifest: AdapterManifest, overrides: dict[str, str]) -> LaunchSpec:
        return LaunchSpec(
            argv=argv,
            env=_base_env(manifest, overrides),
            cwd=str(SCRIPT_DIR / directory),
        )

    return launch


def _afterresume(redis: bool):
    def launch(manifest: AdapterManifest, overrides: dict[str, str]) -> LaunchSpec:
        env = _base_env(manifest, overrides)
        if redis:
            env["REDIS_URL"] = _setting("BENCH_REDIS_URL")
        return LaunchSpec(argv=[_setting("AFTERRESUME_ADAPTER_BIN")], env=env)

    return launch


def install() -> None:
    """Swap the Docker launchers for host ones and register AfterResume."""
    if not ENABLED:
        return
    python = os.environ.get("BENCH_PYTHON", sys.executable)
    node = os.environ.get("BENCH_NODE", "node")
    ADAPTERS["procrastinate"] = AdapterEntry(
        bench_dir=SCRIPT_DIR / "procrastinate-bench",
        builder=_no_build,
        launcher=_in_dir("procrastinate-bench", [python, "main.py"]),
    )
    ADAPTERS["pgboss"] = AdapterEntry(
        bench_dir=SCRIPT_DIR / "pgboss-bench",
        builder=_no_build,
        launcher=_in_dir("pgboss-bench", [node, "main.js"]),
    )
    for system, redis in (("afterresume", False), ("afterresume-redis", True)):
        ADAPTERS[system] = AdapterEntry(
            bench_dir=SCRIPT_DIR / f"{system}-bench",
            builder=_no_build,
            launcher=_afterresume(redis),
        )
    # awa builds with cargo on the host already; the run script builds it first.
    ADAPTERS["awa"] = AdapterEntry(
        bench_dir=ADAPTERS["awa"].bench_dir,
        builder=_no_build,
        launcher=ADAPTERS["awa"].launcher,
    )
