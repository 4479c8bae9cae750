"""The Python surface on every backend: users, worklogs, the four workflows as
jobs, skills with evidence, reports, resume, events, schedules, errors."""

import datetime as dt

import pytest

import afterresume

BILLING = "Moved billing to Postgres 15 on k8s; reduced p99 from 800 to 120 ms (BILL-7)."


def test_the_readme_quick_start_runs_on_every_backend(eng):
    eng.run_workers(2)
    alice = eng.create_user("alice", "alice@example.com", password="s3cret-pass")
    assert "password_hash" not in alice
    assert isinstance(alice["created_at"], dt.datetime) and alice["created_at"].tzinfo
    wl = eng.create_worklog(alice["id"], BILLING, date="2026-11-23", tags=["billing"])
    assert wl["date"] == dt.date(2026, 11, 23) and wl["analysis"] is None
    job = eng.analyze_worklog(wl["id"])
    assert isinstance(job, afterresume.Job) and job.type == "worklog.analyze"
    done = job.wait(timeout=30)
    assert done["status"] == "success", done
    assert isinstance(done["finished_at"], dt.datetime)
    skills = eng.get_worklog(wl["id"])["analysis"]["skills"]
    assert [s["skill"] for s in skills] == ["PostgreSQL", "Kubernetes"]
    for s in skills:
        assert set(s) >= {"skill", "skill_id", "category", "excerpt", "start", "end", "confidence"}
        assert BILLING[s["start"] : s["end"]] == s["excerpt"]
    listed = eng.list_skills(alice["id"])
    assert {s["name"] for s in listed} == {"PostgreSQL", "Kubernetes"}
    assert all(isinstance(s["first_seen"], dt.date) for s in listed)
    evidence = eng.skill_evidence(alice["id"], skills[0]["skill_id"])
    assert evidence[0]["worklog_id"] == wl["id"] and evidence[0]["excerpt"] == skills[0]["excerpt"]
    assert eng.generate_report(alice["id"], kind="standup").wait(timeout=30)["status"] == "success"
    report = eng.list_reports(alice["id"])[0]
    assert report["kind"] == "standup" and isinstance(report["period_start"], dt.date)
    assert eng.refresh_resume(alice["id"]).wait(timeout=30)["status"] == "success"
    resume = eng.get_resume(alice["id"])
    assert resume["basics"]["name"] == "alice"
    keywords = {k for group in resume["skills"] for k in group["keywords"]}
    assert keywords == {"PostgreSQL", "Kubernetes"}
    assert "PostgreSQL" in eng.get_resume(alice["id"], format="markdown")
    assert "<" in eng.get_resume(alice["id"], format="html")
    events = eng.job_events(job.id)
    assert {e["source"] for e in events} >= {"system", "worker", "workflow", "agent"}
    assert all(isinstance(e["timestamp"], dt.datetime) for e in events)


def test_worklog_crud_filters_and_all_or_nothing_import(eng):
    uid = eng.create_user("bob", password="bob-password")["id"]
    created = eng.import_worklogs(
        uid,
        [
            {"content": "Wrote Terraform for the VPC", "date": dt.date(2026, 11, 16), "tags": ["infra"]},
            {"content": "Reviewed the React settings page", "date": "2026-11-17", "tags": ["web"]},
            {"content": "Tuned PostgreSQL indexes", "date": "2026-11-18", "tags": ["infra"]},
        ],
    )
    assert [w["date"].day for w in created] == [16, 17, 18]
    with pytest.raises(afterresume.InvalidInput, match=r"entries\[1\]"):
        eng.import_worklogs(uid, [{"content": "fine"}, {"content": "   "}])
    with pytest.raises(afterresume.InvalidInput, match="colour"):
        eng.import_worklogs(uid, [{"content": "fine", "colour": "red"}])
    assert len(eng.list_worklogs(uid)) == 3, "a failed import stores nothing"
    infra = eng.list_worklogs(uid, tag="infra", date_from="2026-11-17")
    assert [w["content"] for w in infra] == ["Tuned PostgreSQL indexes"]
    found = eng.list_worklogs(uid, q="react SETTINGS")
    assert [w["content"] for w in found] == ["Reviewed the React settings page"]
    updated = eng.update_worklog(created[0]["id"], content="Wrote Terraform and Helm charts", title=None)
    assert updated["content"].endswith("Helm charts") and updated["tags"] == ["infra"]
    eng.delete_worklog(created[0]["id"])
    with pytest.raises(afterresume.NotFound):
        eng.get_worklog(created[0]["id"])
    with pytest.raises(afterresume.InvalidInput, match="date"):
        eng.create_worklog(uid, "x", date="2026-02-30")
    with pytest.raises(afterresume.InvalidInput, match="unknown field"):
        eng.update_worklog(created[1]["id"], colour="red")
    with pytest.raises(afterresume.NotFound):
        eng.create_worklog(999_999, "nobody's")


def test_errors_map_to_the_exception_hierarchy(mem):
    mem.create_user("carol", password="carol-password")
    with pytest.raises(afterresume.Conflict):
        mem.create_user("carol", password="another-password")
    with pytest.raises(afterresume.InvalidInput, match="password"):
        mem.create_user("dave", password="short")
    with pytest.raises(afterresume.Unauthenticated):
        mem.authenticate("carol", "wrong-password")
    assert mem.authenticate("carol", "carol-password")["username"] == "carol"
    with pytest.raises(afterresume.InvalidInput, match="unknown job type"):
        mem.enqueue("no.such-type", {})
    with pytest.raises(afterresume.InvalidInput, match="kind: 'weekly' is not one of status, standup, summary"):
        mem.generate_report(1, kind="weekly")
    with pytest.raises(afterresume.NotFound):
        mem.get_job("01a230b8-f410-741a-9570-e26c5e0e3090")
    with pytest.raises(afterresume.InvalidInput):
        mem.get_job("not-a-uuid")
    for cls in (afterresume.NotFound, afterresume.InvalidInput, afterresume.Conflict,
                afterresume.BackendError, afterresume.ConfigError, afterresume.Timeout,
                afterresume.Unauthenticated, afterresume.TemporaryError):
        assert issubclass(cls, afterresume.Error)
    with pytest.raises(afterresume.ConfigError):
        afterresume.Engine.open("mysql://db/app")


def test_authenticate_is_under_the_login_limits(mem):
    mem.create_user("erin", password="erin-password")
    for _ in range(5):
        with pytest.raises(afterresume.Unauthenticated):
            mem.authenticate("erin", "wrong-password")
    # The sixth attempt is refused before the password is checked, right or wrong.
    with pytest.raises(afterresume.BackendError, match="too many failed logins"):
        mem.authenticate("erin", "erin-password")
    with pytest.raises(afterresume.Unauthenticated):
        mem.authenticate("erin\x00", "erin-password")


def test_priorities_queues_and_pauses(eng):
    uid = eng.create_user("quinn", password="quinn-password")["id"]
    eng.pause_queue("bulk")
    assert eng.pause_queue("bulk")["changed"] is False
    held = eng.enqueue(
        "resume.refresh", {}, user_id=uid, queue="bulk", priority=4, concurrency_key="user-1"
    )
    assert (held.record["queue"], held.record["priority"]) == ("bulk", 4)
    assert held.record["concurrency_key"] == "user-1"
    with pytest.raises(afterresume.InvalidInput, match="priority"):
        eng.enqueue("resume.refresh", {}, user_id=uid, priority=0)
    with pytest.raises(afterresume.InvalidInput, match="queue"):
        eng.enqueue("resume.refresh", {}, user_id=uid, queue="Bulk Jobs")
    with pytest.raises(afterresume.InvalidInput, match="queue"):
        eng.run_workers(1, queues=["Not A Queue"])
    assert eng.run_pending() == 0
    overview = eng.queues()
    bulk = next(q for q in overview["queues"] if q["name"] == "bulk")
    assert (bulk["ready"], bulk["paused"]) == (1, True)
    assert [j["id"] for j in eng.list_jobs(queue="bulk")] == [held.id]
    eng.pause_job_type("resume.refresh")
    assert eng.queues()["paused_job_types"][0]["job_type"] == "resume.refresh"
    assert eng.resume_queue("bulk")["changed"] is True
    assert eng.run_pending() == 0, "the type is still paused"
    eng.resume_job_type("resume.refresh")
    eng.run_workers(1, queues=["bulk"])
    assert held.wait(30)["status"] in ("success", "failed")
    eng.stop_workers()


def test_jobs_cancel_idempotency_and_schedules(mem):
    uid = mem.create_user("erin", password="erin-password")["id"]
    first = mem.enqueue("resume.refresh", {}, user_id=uid, idempotency_key="k1")
    again = mem.enqueue("resume.refresh", {}, user_id=uid, idempotency_key="k1")
    assert first.id == again.id
    assert first.cancel()["status"] == "cancelled"
    with pytest.raises(afterresume.Conflict):
        first.cancel()
    assert mem.list_jobs(status="cancelled")[0]["id"] == first.id
    # Dead letters: a cancelled job runs again as itself; failed ones are purged.
    retried = mem.retry_job(first.id)
    assert retried["id"] == first.id and retried["status"] == "queued" and retried["trigger"] == "retry"
    with pytest.raises(afterresume.Conflict, match="only failed or cancelled"):
        mem.retry_job(first.id)
    doomed = mem.enqueue("worklog.analyze", {"worklog_id": 424242}, user_id=uid)
    mem.run_workers(1)
    assert doomed.wait(30)["status"] == "failed"
    assert [j["id"] for j in mem.dead_jobs()] == [doomed.id]
    assert mem.purge_dead_jobs(job_type="resume.refresh") == 0
    assert mem.purge_dead_jobs() == 1
    assert list(mem.dead_jobs()) == []
    schedule = mem.put_schedule("nightly-skills", "skills.extract", "@daily", user_id=uid)
    assert schedule["enabled"] and isinstance(schedule["next_run_at"], dt.datetime)
    assert [s["name"] for s in mem.list_schedules()] == ["nightly-skills"]
    with pytest.raises(afterresume.InvalidInput):
        mem.put_schedule("bad", "skills.extract", "every tuesday")
    with pytest.raises(afterresume.InvalidInput, match="IANA time zone"):
        mem.put_schedule("bad", "skills.extract", "@daily", time_zone="Paris")
    paris = mem.put_schedule("nightly-skills", "skills.extract", "0 2 * * *", time_zone="Europe/Paris")
    assert paris["cron"] == "CRON_TZ=Europe/Paris 0 2 * * *" and paris["id"] == schedule["id"]
    assert paris["next_run_at"].hour in (0, 1), "02:00 in Paris is 00:00 or 01:00 UTC"
    assert mem.pause_schedule("nightly-skills")["enabled"] is False
    assert mem.resume_schedule("nightly-skills")["enabled"] is True
    with pytest.raises(afterresume.NotFound):
        mem.pause_schedule("no-such-schedule")
    mem.delete_schedule(schedule["id"])
    assert mem.list_schedules() == []


def test_wait_times_out_with_the_timeout_error(mem):
    import time

    @mem.workflow("slow.job")
    def slow(payload):
        time.sleep(1.0)
        return {}

    mem.run_workers(1)
    job = mem.enqueue("slow.job", {})
    with pytest.raises(afterresume.Timeout):
        job.wait(timeout=0.1)
    assert job.wait(timeout=10)["status"] == "success"


def test_profile_positions_and_the_resume_in_every_format(eng):
    user = eng.create_user("dana", password="dana-password", full_name="Dana Demo")
    uid = user["id"]
    profile = eng.update_profile(
        uid,
        label="Backend Engineer",
        working_days=["mon", "tue", "wed"],
        url="https://dana.example.com",
        location={"city": "Berlin", "countryCode": "DE"},
        profiles=[{"network": "GitHub", "username": "dana", "url": "https://github.com/dana"}],
    )
    assert profile["working_days"] == ["mon", "tue", "wed"]
    with pytest.raises(afterresume.InvalidInput, match="email"):
        eng.update_profile(uid, email="nope")
    with pytest.raises(afterresume.InvalidInput, match="nmae"):
        eng.update_profile(uid, nmae="typo")
    position = eng.create_position(
        uid, company="Acme GmbH", title="Backend Engineer", start_date=dt.date(2026, 1, 1)
    )
    assert position["end_date"] is None
    assert eng.update_position(uid, position["id"], location="Berlin")["location"] == "Berlin"
    with pytest.raises(afterresume.InvalidInput, match="before start_date"):
        eng.update_position(uid, position["id"], end_date=dt.date(2020, 1, 1))
    school = eng.create_education(uid, institution="TU Berlin", study_type="BSc")
    assert [e["institution"] for e in eng.list_education(uid)] == ["TU Berlin"]
    w = eng.create_worklog(
        uid, "Added Redis caching in front of Elasticsearch; cache hit rate 87%.",
        date=dt.date(2026, 11, 23), tags=["search"],
    )
    eng.run_workers(1)
    assert eng.analyze_worklog(w["id"]).wait(timeout=30)["status"] == "success"
    assert eng.refresh_resume(uid).wait(timeout=30)["status"] == "success"
    doc = eng.get_resume(uid)
    assert_valid_json_resume(doc)
    assert doc["work"][0]["name"] == "Acme GmbH"
    assert doc["work"][0]["highlights"] == [
        "Added Redis caching in front of Elasticsearch (cache hit rate 87%)."
    ]
    assert doc["education"][0]["institution"] == "TU Berlin"
    text = eng.get_resume(uid, format="text")
    assert text.startswith("DANA DEMO\nBackend Engineer\n") and "\nEXPERIENCE\n" in text
    assert "theme-modern" in eng.get_resume(uid, format="html", theme="modern")
    pdf = eng.get_resume(uid, format="pdf", theme="classic")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    with pytest.raises(afterresume.InvalidInput, match="theme"):
        eng.get_resume(uid, format="html", theme="neon")
    session = eng.as_user(uid)
    assert session.list_positions()[0]["company"] == "Acme GmbH"
    bullet = doc["work"][0]["x-afterresume"]["evidence"][0]["id"]
    mine = "Cut search latency with a Redis cache (87% hit rate)."
    assert session.curate_highlight(bullet, text=mine, pinned=True)["text"] == mine
    with pytest.raises(afterresume.InvalidInput, match="unpin"):
        session.curate_highlight(bullet, hidden=True)
    assert eng.get_curation(uid)["highlights"][bullet]["pinned"] is True
    assert eng.refresh_resume(uid).wait(timeout=30)["status"] == "success"
    assert eng.get_resume(uid)["work"][0]["highlights"][0] == mine
    tailored = eng.tailor_resume(uid, "We want Elasticsearch and Kotlin experience; Redis a plus.")
    result = tailored.wait(timeout=30)["result"]
    assert [m["skill"] for m in result["matched"]] == ["Elasticsearch", "Redis"]
    assert result["missing"] == ["Kotlin"]
    variant = eng.get_resume(uid, version=result["version"])
    assert variant["meta"]["x-afterresume"]["tailored_for"]["missing"] == ["Kotlin"]
    assert "tailored_for" not in eng.get_resume(uid)["meta"]["x-afterresume"], "the default is untailored"
    with pytest.raises(afterresume.InvalidInput, match="job_description"):
        eng.tailor_resume(uid, "   ")
    report = eng.generate_report(uid, kind="status", start="2026-11-20", end="2026-11-26").wait(timeout=30)
    report_id = report["result"]["report_id"]
    assert eng.get_report(report_id)["kind"] == "status"
    assert eng.get_report(report_id, format="markdown").startswith("# Status report")
    assert "<h1>Status report" in eng.get_report(report_id, format="html")
    assert eng.get_report(report_id, format="pdf").startswith(b"%PDF-")
    with pytest.raises(afterresume.InvalidInput, match="format"):
        eng.get_report(report_id, format="docx")
    eng.delete_education(uid, school["id"])
    assert eng.list_education(uid) == []


def assert_valid_json_resume(doc):
    """Validates against the official JSON Resume schema (vendored), formats too."""
    import json
    import pathlib

    import jsonschema

    schema_path = pathlib.Path(__file__).parent / "data" / "jsonresume" / "schema.json"
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    # The checker is live: a broken document fails it.
    broken = dict(doc, basics=dict(doc["basics"], email="not an address", url="::"))
    assert list(validator.iter_errors(broken))


def _git(repo, *args, email="alice@example.com", when="2026-11-20T09:00:00+00:00"):
    import subprocess

    env = {
        "GIT_AUTHOR_NAME": "Alice",
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": "Alice",
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": when,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_git_history_and_files_import_once(eng, tmp_path):
    alice = eng.create_user("alice", "alice@example.com", password="s3cret-pass")
    repo = tmp_path / "billing"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for i, (email, when) in enumerate(
        [
            ("alice@example.com", "2026-11-20T09:00:00+00:00"),
            ("bob@example.com", "2026-11-20T10:00:00+00:00"),
            ("alice@example.com", "2026-11-21T09:00:00+00:00"),
        ]
    ):
        (repo / f"f{i}").write_text("x")
        _git(repo, "add", ".", email=email, when=when)
        _git(repo, "commit", "-q", "-m", f"Change {i}", email=email, when=when)
    first = eng.import_git(alice["id"], [repo])
    assert first["sources"][0]["name"] == "billing"
    assert (first["sources"][0]["commits"], first["sources"][0]["created"]) == (2, 2)
    again = eng.import_git(alice["id"], [repo], since=dt.date(2026, 11, 21))
    assert (again["sources"][0]["read"], again["sources"][0]["unchanged"]) == (1, 1)
    logs = eng.list_worklogs(alice["id"])
    assert {w["source"] for w in logs} == {"git"} and logs[0]["tags"] == ["billing"]

    notes = tmp_path / "notes.csv"
    notes.write_text("date,content,tags\n2026-11-23,Wrote the runbook,ops\n")
    as_alice = eng.as_user(alice["id"])
    report = as_alice.import_file(notes, format="csv", analyze=True)
    assert (report["created"], report["analysis_jobs"]) == (1, 1)
    assert as_alice.import_file(notes, format="csv")["unchanged"] == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"date": "2026-11-23", "content": "ok"}\n{"date": "2026-02-30", "content": "x"}\n')
    with pytest.raises(afterresume.InvalidInput, match=r"bad.jsonl:2: date"):
        eng.import_file(alice["id"], bad, format="jsonl")
    with pytest.raises(afterresume.InvalidInput, match="format"):
        eng.import_file(alice["id"], notes, format="docx")
    with pytest.raises(afterresume.InvalidInput, match="not a git repository"):
        eng.import_git(alice["id"], [tmp_path])
    assert len(eng.list_worklogs(alice["id"])) == 3
