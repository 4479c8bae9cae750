"""Python code run by Rust workers: workflows and LLM providers, with the GIL
released while Rust works."""

import threading
import time

import afterresume


def test_a_python_workflow_runs_and_returns_its_result(mem):
    seen = []

    @mem.workflow("my.job")
    def my_job(payload, job):
        seen.append(job["type"])
        return {"doubled": payload["n"] * 2, "attempt": job["attempt"]}

    assert "my.job" in mem.job_types()
    result = mem.enqueue("my.job", {"n": 21}).wait(timeout=10)
    assert result["status"] == "success"
    assert result["result"] == {"doubled": 42, "attempt": 1}
    assert seen == ["my.job"]


def test_temporary_errors_retry_and_other_errors_fail(mem):
    calls = {"n": 0}

    def flaky(payload):
        calls["n"] += 1
        if calls["n"] < 2:
            raise afterresume.TemporaryError("upstream busy")
        return {"ok": True}

    mem.register_workflow("flaky.job", flaky, max_retries=3)
    mem.run_workers(1)
    done = mem.enqueue("flaky.job", {}).wait(timeout=20)
    assert done["status"] == "success" and calls["n"] == 2
    assert done["retry_count"] == 1

    @mem.workflow("broken.job")
    def broken(payload):
        raise ValueError("bad row 7")

    failed = mem.enqueue("broken.job", {}).wait(timeout=10)
    assert failed["status"] == "failed"
    assert "bad row 7" in failed["error"]
    assert failed["retry_count"] == 0, "only TemporaryError retries"


def test_the_gil_is_released_while_rust_waits(mem):
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    @mem.workflow("sleepy.job")
    def sleepy(payload):
        time.sleep(0.5)
        return {"slept": True}

    mem.run_workers(1)
    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        started = time.monotonic()
        # If wait() held the GIL, neither the workflow nor the ticker could run.
        assert mem.enqueue("sleepy.job", {}).wait(timeout=10)["status"] == "success"
        during = [t for t in ticks if t >= started]
    finally:
        stop.set()
        thread.join()
    assert len(during) >= 10, f"the ticker ran {len(during)} times during the wait"


class KeywordLlm:
    """A Python LLM provider in the default (hybrid) mode: it gets the built-in
    candidates numbered in the prompt, rejects Kubernetes, keeps the rest and
    adds a tool the taxonomy does not know."""

    name = "pytest-llm"
    model = "keywords-1"

    def __init__(self):
        self.requests = []

    def complete(self, request):
        self.requests.append(request)
        listed = request["prompt"].split("Candidates:\n", 1)[1]
        decisions = []
        for line in listed.splitlines():
            number, _, rest = line.partition(". ")
            if number.isdigit():
                decisions.append({"id": int(number), "keep": not rest.startswith("Kubernetes")})
        added = [{"name": "Flumox", "quote": "Flumox", "category": "tool"}]
        return {"decisions": decisions, "added": added, "summary": "Infra work.", "category": "infra"}


def test_a_python_llm_provider_backs_the_worklog_agent():
    llm = KeywordLlm()
    with afterresume.Engine.in_memory(llm=llm) as eng:
        uid = eng.create_user("fay", password="fay-password")["id"]
        wl = eng.create_worklog(uid, "Wrote Terraform for the Kubernetes cluster, deployed by Flumox.")
        job = eng.analyze_worklog(wl["id"])
        done = job.wait(timeout=10)
        assert done["status"] == "success", done
        analysis = eng.get_worklog(wl["id"])["analysis"]
        assert analysis["extractor"] == "llm:pytest-llm/keywords-1"
        assert [s["skill"] for s in analysis["skills"]] == ["Terraform", "Flumox"]
        assert "1. Terraform" in llm.requests[0]["prompt"]
        assert "2. Kubernetes" in llm.requests[0]["prompt"]
        assert llm.requests and llm.requests[0]["json_schema"]["type"] == "object"
        calls = [e for e in job.events() if e["source"] == "llm" and e["message"] == "llm call"]
        assert calls and calls[0]["data"]["model"] == "keywords-1"


class ChattyLlm:
    """A provider that never answers in JSON."""

    name = "chatty"
    model = "chatty-1"

    def complete(self, request):
        return "Sure! The skills are Terraform and Kubernetes."


def test_answers_that_stay_invalid_fall_back_to_the_built_in_agent():
    with afterresume.Engine.in_memory(llm=ChattyLlm()) as eng:
        uid = eng.create_user("gus", password="gus-password")["id"]
        wl = eng.create_worklog(uid, "Wrote Terraform for the Kubernetes cluster.")
        job = eng.analyze_worklog(wl["id"])
        done = job.wait(timeout=10)
        assert done["status"] == "success", done
        analysis = eng.get_worklog(wl["id"])["analysis"]
        assert not analysis["extractor"].startswith("llm:")
        assert [s["skill"] for s in analysis["skills"]] == ["Terraform", "Kubernetes"]
        warnings = [e for e in job.events() if "fell back" in e["message"]]
        assert warnings and warnings[0]["level"] == "warning"
