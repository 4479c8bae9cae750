"""The same scenario through the HTTP API and through Python gives the same
results and the same errors: both hosts call the core's use cases, so a rule
(a page limit, an idempotency key, another user's object, a validation
message) cannot differ between them.

The HTTP side is the `afterresume` binary serving a fresh SQLite file
(AFTERRESUME_BIN, else target/debug/afterresume; scripts/python.sh builds it);
the Python side is an engine on a fresh SQLite file of its own, used through
`Engine.as_user`.
"""

import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import afterresume

ROOT = Path(__file__).resolve().parents[2]
STATUS_OF = {
    afterresume.InvalidInput: 400,
    afterresume.PermissionDenied: 403,
    afterresume.NotFound: 404,
    afterresume.Conflict: 409,
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def binary() -> Path:
    path = Path(os.environ.get("AFTERRESUME_BIN", ROOT / "target/debug/afterresume"))
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing on CI: scripts/python.sh builds it")
        pytest.skip(f"{path} is missing: cargo build -p afterresume-http --bin afterresume")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    """A user's client of the served API."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.token = None
        _, body = self.call("POST", "/api/auth/token/", {"username": username, "password": password})
        self.token = body["token"]

    def call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
                return response.status, json.loads(raw) if "json" in kind and raw else raw.decode()
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("http")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(AFTERRESUME_DATA_DIR=str(data), RUST_LOG="warn")
    for name in ("alice", "bob"):
        subprocess.run(
            [binary(), "create-user", "--username", name, "--email", f"{name}@example.com",
             "--password", f"{name}-password"],
            env=env, check=True, capture_output=True,
        )
    port = free_port()
    log = open(data / "server.log", "wb")
    process = subprocess.Popen(
        [binary(), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/api/healthz/", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("the server did not start: " + (data / "server.log").read_text())
    yield base
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture(scope="module")
def sides(server, tmp_path_factory):
    """(alice over HTTP, bob over HTTP, alice in Python, bob in Python)."""
    eng = afterresume.Engine.open(f"sqlite:///{tmp_path_factory.mktemp('py')}/ar.sqlite3")
    with eng:
        eng.run_workers(1)
        ids = [
            eng.create_user(name, f"{name}@example.com", password=f"{name}-password")["id"]
            for name in ("alice", "bob")
        ]
        yield (
            Http(server, "alice", "alice-password"),
            Http(server, "bob", "bob-password"),
            eng.as_user(ids[0]),
            eng.as_user(ids[1]),
        )


def over_http(client, method, path, body=None, headers=None):
    status, answer = client.call(method, path, body, headers)
    if status >= 400:
        return ("error", status, UUID.sub("<id>", answer["message"]))
    return ("ok", answer)


def in_python(call):
    try:
        return ("ok", call())
    except afterresume.Error as err:
        return ("error", STATUS_OF.get(type(err), 500), UUID.sub("<id>", str(err)))


def finished(client, job_id, timeout=60.0):
    """Waits for a job the server runs; returns its final status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.call("GET", f"/api/jobs/{job_id}/")[1]["status"]
        if status not in ("queued", "running"):
            return status
        time.sleep(0.05)
    return "timeout"


def same_error(http, python):
    assert http[0] == "error", http
    assert http == python, f"HTTP {http} != Python {python}"
    return http


WORKLOG = {"content": "Deployed Postgres 16 with Terraform on the new VPC.", "date": "2026-11-20",
           "tags": ["infra"], "title": "migration"}


def comparable_worklog(w):
    return {k: str(w[k]) if k == "date" else w[k] for k in ("content", "date", "tags", "title", "source", "metadata")}


def test_worklogs_agree_on_results_and_validation(sides):
    alice_http, _, alice_py, _ = sides
    for day in ("2026-11-20", "2026-11-21", "2026-11-22"):
        http = over_http(alice_http, "POST", "/api/worklogs/", dict(WORKLOG, date=day))
        python = in_python(lambda: alice_py.create_worklog(
            WORKLOG["content"], date=day, tags=WORKLOG["tags"], title=WORKLOG["title"]))
        assert http[0] == python[0] == "ok"
        assert comparable_worklog(http[1]) == comparable_worklog(python[1])
        assert http[1]["source"] == "manual"

    for bad, field in ((dict(WORKLOG, date="2026-13-01"), "date"), (dict(WORKLOG, content="   "), "content")):
        same_error(
            over_http(alice_http, "POST", "/api/worklogs/", bad),
            in_python(lambda: alice_py.create_worklog(bad["content"], date=bad["date"])),
        )

    # Page limits and keyset cursors.
    error = same_error(
        over_http(alice_http, "GET", "/api/worklogs/?limit=500"),
        in_python(lambda: alice_py.list_worklogs(limit=500)),
    )
    assert error[1] == 400 and "from 1 to 200" in error[2]
    same_error(
        over_http(alice_http, "GET", "/api/worklogs/?date_from=2026-11-22&date_to=2026-11-20"),
        in_python(lambda: alice_py.list_worklogs(date_from="2026-11-22", date_to="2026-11-20")),
    )
    same_error(
        over_http(alice_http, "GET", "/api/worklogs/?cursor=zz"),
        in_python(lambda: alice_py.list_worklogs(cursor="zz")),
    )
    http_page = alice_http.call("GET", "/api/worklogs/?limit=2")[1]
    py_page = alice_py.list_worklogs(limit=2)
    assert [w["date"] for w in http_page["results"]] == [str(w["date"]) for w in py_page]
    assert http_page["next"] == py_page.next is not None
    http_rest = alice_http.call("GET", f"/api/worklogs/?limit=2&cursor={http_page['next']}")[1]
    py_rest = alice_py.list_worklogs(limit=2, cursor=py_page.next)
    assert [w["date"] for w in http_rest["results"]] == [str(w["date"]) for w in py_rest] == ["2026-11-20"]
    assert http_rest["next"] is None and py_rest.next is None


def test_another_users_objects_are_not_found_and_acting_for_them_is_denied(sides):
    alice_http, bob_http, alice_py, bob_py = sides
    http_id = alice_http.call("POST", "/api/worklogs/", WORKLOG)[1]["id"]
    py_id = alice_py.create_worklog(WORKLOG["content"], date=WORKLOG["date"], tags=WORKLOG["tags"], title=WORKLOG["title"])["id"]
    assert http_id == py_id, "both stores number the scenario's rows alike"
    wid = http_id
    for http, python in (
        (over_http(bob_http, "GET", f"/api/worklogs/{wid}/"), in_python(lambda: bob_py.get_worklog(wid))),
        (over_http(bob_http, "PATCH", f"/api/worklogs/{wid}/", {"title": "mine"}),
         in_python(lambda: bob_py.update_worklog(wid, title="mine"))),
        (over_http(bob_http, "DELETE", f"/api/worklogs/{wid}/"), in_python(lambda: bob_py.delete_worklog(wid))),
        (over_http(bob_http, "POST", f"/api/worklogs/{wid}/analyze/"),
         in_python(lambda: bob_py.analyze_worklog(wid))),
    ):
        assert same_error(http, python)[1] == 404
    alice_id = alice_py.me()["id"]
    error = same_error(
        over_http(bob_http, "GET", f"/api/worklogs/?user_id={alice_id}"),
        in_python(lambda: bob_py.list_worklogs(user_id=alice_id)),
    )
    assert error[1] == 403
    # Alice's worklog is untouched on both sides.
    assert alice_http.call("GET", f"/api/worklogs/{wid}/")[1]["title"] == "migration"
    assert alice_py.get_worklog(wid)["title"] == "migration"
    # Alice's job is hidden from Bob too.
    http_job = alice_http.call("POST", f"/api/worklogs/{wid}/analyze/")[1]["job_id"]
    py_job = alice_py.analyze_worklog(wid).id
    same_error(
        over_http(bob_http, "GET", f"/api/jobs/{http_job}/"),
        in_python(lambda: bob_py.get_job(py_job)),
    )


def test_idempotency_keys_are_scoped_and_a_reused_key_conflicts(sides):
    alice_http, bob_http, alice_py, bob_py = sides
    wid = alice_http.call("POST", "/api/worklogs/", WORKLOG)[1]["id"]
    assert alice_py.create_worklog(WORKLOG["content"], date=WORKLOG["date"], tags=WORKLOG["tags"], title=WORKLOG["title"])["id"] == wid
    key = {"Idempotency-Key": "retry-1"}
    first = alice_http.call("POST", f"/api/worklogs/{wid}/analyze/", None, key)
    again = alice_http.call("POST", f"/api/worklogs/{wid}/analyze/", None, key)
    assert first[0] == 202 and again[0] == 202
    assert first[1]["job_id"] == again[1]["job_id"]
    assert again[1]["message"] == "Job already enqueued with this Idempotency-Key"
    assert alice_py.analyze_worklog(wid, idempotency_key="retry-1").id == \
        alice_py.analyze_worklog(wid, idempotency_key="retry-1").id
    # The same key for another request is a conflict, with the same message.
    error = same_error(
        over_http(alice_http, "POST", "/api/reports/generate/", {"kind": "status"}, key),
        in_python(lambda: alice_py.generate_report("status", idempotency_key="retry-1")),
    )
    assert error[1] == 409
    # Keys are per user: Bob's "retry-1" is a job of his own.
    bob_job = bob_http.call("POST", "/api/reports/generate/", {"kind": "status"}, key)
    assert bob_job[0] == 202 and bob_job[1]["job_id"] != first[1]["job_id"]
    assert bob_py.generate_report("status", idempotency_key="retry-1").id
    same_error(
        over_http(alice_http, "POST", "/api/resume/refresh/", None, {"Idempotency-Key": "k" * 201}),
        in_python(lambda: alice_py.refresh_resume(idempotency_key="k" * 201)),
    )


def test_reports_and_resume_agree_on_validation_and_results(sides):
    alice_http, _, alice_py, _ = sides
    same_error(
        over_http(alice_http, "POST", "/api/reports/generate/", {"kind": "weekly"}),
        in_python(lambda: alice_py.generate_report("weekly")),
    )
    same_error(
        over_http(alice_http, "POST", "/api/reports/generate/",
                  {"kind": "status", "start": "2026-11-30", "end": "2026-11-01"}),
        in_python(lambda: alice_py.generate_report("status", start="2026-11-30", end="2026-11-01")),
    )
    same_error(
        over_http(alice_http, "GET", "/api/reports/?kind=weekly"),
        in_python(lambda: alice_py.list_reports(kind="weekly")),
    )
    same_error(
        over_http(alice_http, "GET", "/api/resume/?format=docx"),
        in_python(lambda: alice_py.get_resume(format="docx")),
    )
    same_error(
        over_http(alice_http, "GET", "/api/resume/?format=html&theme=neon"),
        in_python(lambda: alice_py.get_resume(format="html", theme="neon")),
    )
    same_error(
        over_http(alice_http, "GET", "/api/resume/?version=99"),
        in_python(lambda: alice_py.get_resume(version=99)),
    )
    # The whole chain on both sides: analyze, skills, resume.
    for worklog in alice_py.list_worklogs(limit=200):
        alice_py.analyze_worklog(worklog["id"]).wait(timeout=60)
    for worklog in alice_http.call("GET", "/api/worklogs/?limit=200")[1]["results"]:
        job = alice_http.call("POST", f"/api/worklogs/{worklog['id']}/analyze/")[1]["job_id"]
        assert finished(alice_http, job) == "success"
    python_job = alice_py.refresh_resume().wait(timeout=60)
    http_job = alice_http.call("POST", "/api/resume/refresh/")[1]["job_id"]
    assert finished(alice_http, http_job) == python_job["status"] == "success"
    http_skills = alice_http.call("GET", "/api/skills/")[1]["results"]
    py_skills = alice_py.list_skills()
    strip = lambda rows: [{k: str(v) if k.endswith("_seen") else v for k, v in row.items()} for row in rows]
    assert strip(http_skills) == strip(py_skills) and http_skills
    assert alice_http.call("GET", "/api/resume/?format=markdown")[1] == alice_py.get_resume(format="markdown")
