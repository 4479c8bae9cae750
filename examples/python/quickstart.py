"""The README's Python quick start, run by scripts/python.sh.

Run it yourself after `pip install ./afterresume-py`:  python examples/python/quickstart.py
"""

import tempfile

import afterresume

with tempfile.TemporaryDirectory() as scratch:
    with afterresume.Engine.open(f"sqlite:///{scratch}/ar.sqlite3") as eng:  # or Engine.in_memory()
        eng.run_workers(2)
        alice = eng.create_user("alice", "alice@example.com", password="s3cret-pass")
        wl = eng.create_worklog(
            alice["id"], "Moved billing to Postgres 15 on k8s", date="2026-11-23", tags=["billing"]
        )
        job = eng.analyze_worklog(wl["id"])  # a Job handle
        assert job.wait(timeout=30)["status"] == "success"
        skills = eng.get_worklog(wl["id"])["analysis"]["skills"]  # same shape as the HTTP API
        print("skills:", [(s["skill"], s["excerpt"]) for s in skills])
        eng.list_skills(alice["id"])
        print("evidence:", eng.skill_evidence(alice["id"], skills[0]["skill_id"])[0]["excerpt"])
        eng.generate_report(alice["id"], kind="standup").wait(timeout=30)
        print("standup:\n" + eng.list_reports(alice["id"])[0]["content"])
        eng.refresh_resume(alice["id"]).wait(timeout=30)
        resume = eng.get_resume(alice["id"])  # JSON Resume dict
        print("resume skills:", resume["skills"])
        print("timeline:", [e["message"] for e in eng.job_events(job.id)])
