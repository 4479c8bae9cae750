"""AfterResume for Python: work logs in; evidenced skills, reports and a resume out.

The engine is Rust (``afterresume._afterresume``); this package gives it a Python
face: :class:`Engine` with context-manager support, :class:`Job` handles that can
``wait()``, results as plain dicts with ``datetime``/``date`` values, and
decorators to register Python workflows.

    import afterresume
    with afterresume.Engine.open("sqlite:///tmp/ar.sqlite3") as eng:
        eng.run_workers(2)
        alice = eng.create_user("alice", "alice@example.com", password="s3cret-pass")
        wl = eng.create_worklog(alice["id"], "Moved billing to Postgres 15 on k8s")
        assert eng.analyze_worklog(wl["id"]).wait(timeout=30)["status"] == "success"
"""

from __future__ import annotations

import datetime as _dt
import inspect
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, TypeVar

from . import _afterresume
from ._afterresume import (
    BackendError,
    ConfigError,
    Conflict,
    Error,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TemporaryError,
    Timeout,
    Unauthenticated,
    __version__,
    cron_next,
)

__all__ = [
    "BackendError",
    "ConfigError",
    "Conflict",
    "Engine",
    "Error",
    "InvalidInput",
    "Job",
    "NotFound",
    "Page",
    "PermissionDenied",
    "Session",
    "TemporaryError",
    "Timeout",
    "Unauthenticated",
    "__version__",
    "cron_next",
]

Record = Dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

# Keys whose string values are dates or timestamps on the wire.
_DATE_KEYS = frozenset(
    {"date", "period_start", "period_end", "first_seen", "last_seen", "worklog_date"}
)
_TIME_KEYS = frozenset({"timestamp"})


def _convert(value: Any) -> Any:
    """JSON-shaped engine output -> plain Python with ``date``/``datetime``."""
    if isinstance(value, list):
        return [_convert(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: Dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, str) and (key.endswith("_at") or key in _TIME_KEYS):
            try:
                out[key] = _dt.datetime.fromisoformat(item.replace("Z", "+00:00"))
                continue
            except ValueError:
                pass
        if isinstance(item, str) and key in _DATE_KEYS:
            try:
                out[key] = _dt.date.fromisoformat(item)
                continue
            except ValueError:
                pass
        out[key] = _convert(item) if isinstance(item, (dict, list)) else item
    return out


def _iso(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def _dates(fields: Dict[str, Any]) -> Dict[str, Any]:
    """``start_date`` / ``end_date`` given as dates become ``YYYY-MM-DD``."""
    return {k: (_iso(v) if k.endswith("_date") and v is not None else v) for k, v in fields.items()}


class Page(list):  # type: ignore[type-arg]
    """One page of a list: the records, and ``next``, the cursor of the next
    page (``None`` on the last). Pass it back as ``cursor=``."""

    def __init__(self, page: Record) -> None:
        super().__init__(_convert(page["results"]))
        self.next: Optional[str] = page.get("next")


class Job:
    """A handle on an enqueued job."""

    def __init__(self, engine: "Engine", record: Record, as_user: Optional[int] = None) -> None:
        self._engine = engine
        self._as_user = as_user
        self.id: str = str(record["id"])
        self.type: str = str(record["type"])
        self.record: Record = _convert(record)

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, type={self.type!r}, status={self.record.get('status')!r})"

    def wait(self, timeout: float = 30.0) -> Record:
        """Blocks (without the GIL) until the job is finished; returns the job.

        Raises :class:`Timeout` if it is still queued or running after ``timeout``
        seconds. Jobs run on workers (:meth:`Engine.run_workers`), or in this thread
        when no worker runs.
        """
        native = self._engine._native
        if not self._engine.workers_running:
            native.run_pending()
        self.record = _convert(native.wait_job(self.id, timeout, as_user=self._as_user))
        return self.record

    def status(self) -> str:
        """The job's current status."""
        return str(self.refresh()["status"])

    def refresh(self) -> Record:
        """Reloads and returns the job."""
        self.record = _convert(self._engine._cases.get_job(self.id, as_user=self._as_user))
        return self.record

    def events(self) -> List[Record]:
        """The job's event timeline, oldest first."""
        page = self._engine._cases.job_events(self.id, as_user=self._as_user)
        return _convert(page["results"])

    def cancel(self) -> Record:
        """Cancels the job (at once when queued, cooperatively when running)."""
        self.record = _convert(self._engine._cases.cancel_job(self.id, as_user=self._as_user))
        return self.record

    @property
    def result(self) -> Any:
        """The result of the job as last loaded."""
        return self.record.get("result")


class Engine:
    """The AfterResume engine on a backend. Use it as a context manager: leaving
    the block stops the workers cleanly."""

    def __init__(self, native: "_afterresume.NativeEngine") -> None:
        self._native = native
        self._cases = native.use_cases()
        self.workers_running = False

    # ---- opening ----

    @classmethod
    def open(
        cls,
        url: str,
        *,
        redis_url: Optional[str] = None,
        redis_prefix: Optional[str] = None,
        data_dir: Optional[str] = None,
        postgres_schema: Optional[str] = None,
        s3: Optional[Mapping[str, str]] = None,
        llm: Any = None,
        auto_chain: bool = False,
        llm_fallback: bool = True,
    ) -> "Engine":
        """Opens an engine on ``sqlite:///path`` or ``postgres://...``.

        ``redis_url`` moves the queue to Redis; ``s3`` takes the ``MINIO_*``
        settings (``MINIO_ENDPOINT``, ``MINIO_ACCESS_KEY``, ...) and moves artifacts
        to S3 (else they go to ``data_dir``, by default ``afterresume-data`` next to
        a SQLite file); ``llm`` is a dict of ``LLM_*`` settings (an
        OpenAI-compatible server) or an object with ``complete(request)``;
        ``llm_fallback`` uses the built-in agent when the model's answers stay
        invalid after its re-asks (a warning event on the job says so).
        """
        options: Dict[str, str] = {}
        if redis_url:
            options["REDIS_URL"] = redis_url
        if redis_prefix:
            options["AFTERRESUME_REDIS_PREFIX"] = redis_prefix
        if data_dir:
            options["AFTERRESUME_DATA_DIR"] = str(data_dir)
        if postgres_schema:
            options["AFTERRESUME_POSTGRES_SCHEMA"] = postgres_schema
        for key, value in dict(s3 or {}).items():
            if not key.startswith("MINIO_"):
                raise InvalidInput(f"s3: unknown setting {key!r} (use the MINIO_* names)")
            options[key] = str(value)
        provider = None
        if isinstance(llm, Mapping):
            for key, value in llm.items():
                if not key.startswith("LLM_"):
                    raise InvalidInput(f"llm: unknown setting {key!r} (use the LLM_* names)")
                options[key] = str(value)
        elif llm is not None:
            provider = llm
        options["WORKFLOW_AUTO_CHAIN"] = "true" if auto_chain else "false"
        options["LLM_FALLBACK_LOCAL"] = "true" if llm_fallback else "false"
        return cls(_afterresume.NativeEngine.open(url, options=options, llm=provider))

    @classmethod
    def in_memory(
        cls, *, auto_chain: bool = False, llm: Any = None, llm_writer: bool = True
    ) -> "Engine":
        """An engine on in-memory backends: nothing persists.

        With ``llm`` the model analyzes worklogs and, unless ``llm_writer`` is
        false, rewrites reports; a rewrite that states a number, an id or a
        skill its cited entries do not is rejected and the built-in text kept.
        """
        return cls(
            _afterresume.NativeEngine.in_memory(
                auto_chain=auto_chain, llm=llm, llm_writer=llm_writer
            )
        )

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self, grace: float = 10.0) -> None:
        """Stops the workers: running jobs get ``grace`` seconds to finish."""
        self.stop_workers(grace)

    def describe(self) -> str:
        """What the engine runs on (no secrets)."""
        return self._native.describe()

    # ---- workers ----

    def run_workers(self, n: int = 2, *, queues: Optional[Sequence[str]] = None) -> None:
        """Starts ``n`` worker tasks (and the scheduler) in the background,
        serving the named ``queues`` (every queue when None)."""
        self._native.run_workers(n, None if queues is None else [str(q) for q in queues])
        self.workers_running = True

    def stop_workers(self, grace: float = 10.0) -> bool:
        """Stops the background workers; False if none ran."""
        stopped = self._native.stop_workers(grace)
        self.workers_running = False
        return stopped

    def run_pending(self) -> int:
        """Runs due jobs in this thread until none is left; returns how many ran."""
        return self._native.run_pending()

    # ---- users ----

    def create_user(
        self,
        username: str,
        email: str = "",
        *,
        password: str,
        full_name: str = "",
        staff: bool = False,
    ) -> Record:
        """Creates a user (password hashed with Argon2id)."""
        return _convert(
            self._native.create_user(
                username, email, password=password, full_name=full_name, staff=staff
            )
        )

    def authenticate(self, username: str, password: str) -> Record:
        """The user, or :class:`Unauthenticated`.

        Under the same login limits as the HTTP host, kept in the store: after 5
        failures for a username within 15 minutes, :class:`BackendError` ("too many
        failed logins; try again in N s") until the window ends.
        """
        return _convert(self._native.authenticate(username, password))

    def get_user(self, user_id: int) -> Record:
        return _convert(self._cases.get_user(user_id))

    def as_user(self, user_id: int) -> "Session":
        """Calls made as this user, under the rules of the HTTP API: their own
        data only (staff may name another user with ``user_id=``), the same page
        limits, the same idempotency keys, the same errors."""
        self.get_user(user_id)
        return Session(self, user_id)

    # ---- worklogs ----

    def create_worklog(
        self,
        user_id: int,
        content: str,
        *,
        date: Any = None,
        title: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        source: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> Record:
        """Logs a worklog; ``date`` is a ``date`` or ``YYYY-MM-DD`` (default today)."""
        fields = _worklog_fields(date, title, tags, source, metadata)
        return _convert(self._cases.create_worklog(user_id, content, **fields))

    def import_worklogs(self, user_id: int, entries: Iterable[Mapping[str, Any]]) -> List[Record]:
        """Creates many worklogs at once: all of them, or none when one is invalid."""
        return _convert(self._cases.import_worklogs(user_id, _entries(entries)))

    def import_git(
        self,
        user_id: int,
        paths: Iterable[Any],
        *,
        authors: Optional[Iterable[str]] = None,
        since: Any = None,
        until: Any = None,
        dry_run: bool = False,
        analyze: bool = False,
    ) -> Record:
        """The user's commits from local git repositories (read in-process, no
        ``git`` needed): one worklog per repository and day, merges and bots
        left out, authors by email (default: the user's email). Importing again
        creates nothing and updates a day whose commits changed. Returns
        ``{"sources": [{"name", "walked", "commits", "merges", "bots",
        "others", "read", "created", "updated", "unchanged"}], "analysis_jobs"}``.
        """
        return _convert(
            self._cases.import_git(
                user_id,
                [str(p) for p in paths],
                authors=None if authors is None else list(authors),
                since=_iso(since),
                until=_iso(until),
                dry_run=dry_run,
                analyze=analyze,
            )
        )

    def import_file(
        self,
        user_id: int,
        path: Any,
        *,
        format: str,
        dry_run: bool = False,
        analyze: bool = False,
    ) -> Record:
        """Worklogs from a file (``format``: ``jrnl``, ``csv``, ``jsonl``, or
        ``markdown`` for a file with a ``## YYYY-MM-DD`` heading per day or a
        folder of daily notes). One bad row (named by file and line) imports
        nothing; importing again creates nothing. Returns ``{"read",
        "created", "updated", "unchanged", "skipped", "analysis_jobs"}``.
        """
        return _convert(
            self._cases.import_file(
                user_id, str(path), format=format, dry_run=dry_run, analyze=analyze
            )
        )

    def get_worklog(self, worklog_id: int) -> Record:
        """One worklog, with ``analysis`` once analyzed (the HTTP API's shape)."""
        return _convert(self._cases.get_worklog(worklog_id))

    def list_worklogs(
        self,
        user_id: int,
        *,
        date_from: Any = None,
        date_to: Any = None,
        tag: Optional[str] = None,
        q: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page:
        """A page of a user's worklogs, newest first (``limit`` 1 to 200, default 50);
        ``q`` keeps entries whose content holds that text, case ignored."""
        return Page(
            self._cases.list_worklogs(
                user_id,
                date_from=_iso(date_from),
                date_to=_iso(date_to),
                tag=tag,
                q=q,
                limit=limit,
                cursor=cursor,
            )
        )

    def update_worklog(self, worklog_id: int, **fields: Any) -> Record:
        """Changes fields (content, date, title, tags, source, metadata); new
        content clears the analysis."""
        if "date" in fields:
            fields["date"] = _iso(fields["date"])
        return _convert(self._cases.update_worklog(worklog_id, **fields))

    def delete_worklog(self, worklog_id: int) -> None:
        self._cases.delete_worklog(worklog_id)

    # ---- jobs ----

    def enqueue(
        self,
        job_type: str,
        payload: Optional[Mapping[str, Any]] = None,
        *,
        user_id: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        priority: Optional[int] = None,
        queue: Optional[str] = None,
        concurrency_key: Optional[str] = None,
    ) -> Job:
        """Enqueues any registered job type (the key is used as given).

        ``priority`` runs from 1 (most urgent) to 4 (the type's own, 2 unless
        it sets one, when None); a waiting job gains one level a minute, so
        none starves. ``queue`` names the queue it waits in (workers serve a
        set of queues, see :meth:`run_workers`). Jobs sharing a
        ``concurrency_key`` run one at a time (or the type's concurrency limit)
        across every process.
        """
        record = self._native.enqueue(
            job_type,
            dict(payload or {}),
            user_id=user_id,
            idempotency_key=idempotency_key,
            priority=priority,
            queue=queue,
            concurrency_key=concurrency_key,
        )
        return Job(self, record)

    def analyze_worklog(self, worklog_id: int, *, idempotency_key: Optional[str] = None) -> Job:
        record = self._cases.analyze_worklog(worklog_id, idempotency_key=idempotency_key)
        return Job(self, record)

    def extract_skills(
        self,
        user_id: int,
        *,
        window_days: Optional[int] = None,
        start: Any = None,
        end: Any = None,
        idempotency_key: Optional[str] = None,
    ) -> Job:
        record = self._cases.extract_skills(
            user_id,
            window_days=window_days,
            start=_iso(start),
            end=_iso(end),
            idempotency_key=idempotency_key,
        )
        return Job(self, record)

    def generate_report(
        self,
        user_id: int,
        kind: str = "status",
        *,
        start: Any = None,
        end: Any = None,
        idempotency_key: Optional[str] = None,
    ) -> Job:
        """``kind`` is ``status``, ``standup`` or ``summary``."""
        record = self._cases.generate_report(
            user_id, kind, start=_iso(start), end=_iso(end), idempotency_key=idempotency_key
        )
        return Job(self, record)

    def refresh_resume(self, user_id: int, *, idempotency_key: Optional[str] = None) -> Job:
        return Job(self, self._cases.refresh_resume(user_id, idempotency_key=idempotency_key))

    def tailor_resume(
        self, user_id: int, job_description: str, *, idempotency_key: Optional[str] = None
    ) -> Job:
        """A resume variant for a job ad: its result is ``{"version", "matched",
        "missing"}``; ``get_resume(user_id, version=...)`` reads the variant."""
        return Job(
            self,
            self._cases.tailor_resume(user_id, job_description, idempotency_key=idempotency_key),
        )

    def job(self, job_id: str) -> Job:
        """A handle on an existing job."""
        return Job(self, self._cases.get_job(str(job_id)))

    def get_job(self, job_id: str) -> Record:
        return _convert(self._cases.get_job(str(job_id)))

    def list_jobs(
        self,
        *,
        status: Optional[str] = None,
        job_type: Optional[str] = None,
        queue: Optional[str] = None,
        user_id: Optional[int] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page:
        """A page of every user's jobs (``user_id`` and ``queue`` narrow it),
        newest first."""
        return Page(
            self._cases.list_jobs(
                status=status,
                job_type=job_type,
                queue=queue,
                user_id=user_id,
                limit=limit,
                cursor=cursor,
            )
        )

    def cancel_job(self, job_id: str) -> Record:
        return _convert(self._cases.cancel_job(str(job_id)))

    def dead_jobs(self, *, job_type: Optional[str] = None, limit: Optional[int] = None) -> Page:
        """Dead letters: jobs that failed for good (retries spent or a permanent
        error), newest first."""
        return self.list_jobs(status="failed", job_type=job_type, limit=limit)

    def retry_job(self, job_id: str) -> Record:
        """Runs a failed or cancelled job again: the same job, back in the queue
        with its retries counted from zero."""
        return _convert(self._cases.retry_job(str(job_id)))

    def queues(self) -> Record:
        """Every queue with waiting or running jobs or a pause (``queues``:
        name, ready, delayed, running, oldest_ready_at, paused, paused_at) and
        the paused job types (``paused_job_types``)."""
        return _convert(self._cases.queues())

    def pause_queue(self, name: str) -> Record:
        """Holds the queue's jobs in every process until it is resumed;
        running jobs finish. ``changed`` is False when it was paused already."""
        return _convert(self._cases.set_paused("queue", name, True))

    def resume_queue(self, name: str) -> Record:
        """Lets a paused queue's jobs run again."""
        return _convert(self._cases.set_paused("queue", name, False))

    def pause_job_type(self, job_type: str) -> Record:
        """Holds every job of the type, in every queue, until it is resumed."""
        return _convert(self._cases.set_paused("type", job_type, True))

    def resume_job_type(self, job_type: str) -> Record:
        """Lets a paused job type's jobs run again."""
        return _convert(self._cases.set_paused("type", job_type, False))

    def purge_dead_jobs(self, *, job_type: Optional[str] = None) -> int:
        """Deletes every failed job (of ``job_type`` when given) and its events;
        returns how many."""
        return int(self._cases.purge_dead_jobs(job_type=job_type))

    def job_events(self, job_id: str) -> List[Record]:
        """The event timeline of a job, oldest first."""
        return _convert(self._cases.job_events(str(job_id))["results"])

    # ---- skills, reports, resume ----

    def list_skills(self, user_id: int) -> List[Record]:
        """Evidenced skills with ``evidence_count``, ``first_seen``, ``last_seen``;
        most evidenced first."""
        return _convert(self._cases.list_skills(user_id))

    def skill_evidence(self, user_id: int, skill_id: int) -> List[Record]:
        """The worklog excerpts that prove a skill."""
        return _convert(self._cases.skill_evidence(user_id, skill_id))

    def list_reports(
        self,
        user_id: int,
        *,
        kind: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page:
        """A page of a user's reports, newest first."""
        return Page(self._cases.list_reports(user_id, kind=kind, limit=limit, cursor=cursor))

    def get_report(self, report_id: int, *, format: str = "json") -> Any:
        """The report record (``format="json"``), its ``markdown`` or ``html``
        text, or the ``pdf`` file as bytes."""
        if format == "json":
            return _convert(self._cases.get_report(report_id))
        return self._cases.render_report(report_id, format)

    def get_resume(
        self,
        user_id: int,
        *,
        format: str = "json",
        version: Optional[int] = None,
        theme: Optional[str] = None,
    ) -> Any:
        """The JSON Resume dict (``format="json"``), the ``markdown``, ``html``
        (``theme="classic"`` or ``"modern"``) or plain ``text`` render, or the
        ``pdf`` file as bytes."""
        return self._cases.get_resume(user_id, format=format, version=version, theme=theme)

    # ---- resume curation ----

    def get_curation(self, user_id: int) -> Record:
        """Every choice: ``{"skills": {id: choice}, "highlights": {id: choice}}``."""
        return _convert(self._cases.get_curation(user_id))

    def curate_skill(self, user_id: int, skill_id: int, **fields: Any) -> Record:
        """``pinned``, ``hidden``, ``order`` (None: back to the ranking)."""
        return _convert(self._cases.curate_skill(skill_id, user_id, **fields))

    def curate_highlight(self, user_id: int, highlight_id: str, **fields: Any) -> Record:
        """``pinned``, ``hidden``, ``order``, ``text`` (your own words; the
        bullet keeps its evidence). The id is the one beside the highlight's
        evidence in the resume (``w12s0``)."""
        return _convert(self._cases.curate_highlight(highlight_id, user_id, **fields))

    # ---- profile, positions, education ----

    def get_profile(self, user_id: int) -> Record:
        """The profile: name, label, contacts, location, profiles, working days."""
        return _convert(self._cases.get_profile(user_id))

    def update_profile(self, user_id: int, **fields: Any) -> Record:
        """Changes the fields given; a bad one changes nothing. The resume follows."""
        return _convert(self._cases.update_profile(user_id, **fields))

    def list_positions(self, user_id: int) -> List[Record]:
        """Positions, newest first."""
        return _convert(self._cases.profile_entries("positions", user_id))

    def get_position(self, user_id: int, position_id: int) -> Record:
        return _convert(self._cases.profile_entry("positions", position_id, user_id))

    def create_position(self, user_id: int, **fields: Any) -> Record:
        """``company``, ``title``, ``start_date`` and optionally ``location``,
        ``end_date`` (None: current), ``summary``, ``url``."""
        return _convert(self._cases.create_profile_entry("positions", user_id, **_dates(fields)))

    def update_position(self, user_id: int, position_id: int, **fields: Any) -> Record:
        return _convert(
            self._cases.update_profile_entry("positions", position_id, user_id, **_dates(fields))
        )

    def delete_position(self, user_id: int, position_id: int) -> None:
        self._cases.delete_profile_entry("positions", position_id, user_id)

    def list_education(self, user_id: int) -> List[Record]:
        """Education entries, newest first."""
        return _convert(self._cases.profile_entries("education", user_id))

    def create_education(self, user_id: int, **fields: Any) -> Record:
        """``institution`` and optionally ``area``, ``study_type``, ``start_date``,
        ``end_date``, ``score``, ``url``."""
        return _convert(self._cases.create_profile_entry("education", user_id, **_dates(fields)))

    def update_education(self, user_id: int, education_id: int, **fields: Any) -> Record:
        return _convert(
            self._cases.update_profile_entry("education", education_id, user_id, **_dates(fields))
        )

    def delete_education(self, user_id: int, education_id: int) -> None:
        self._cases.delete_profile_entry("education", education_id, user_id)

    # ---- schedules ----

    def put_schedule(
        self,
        name: str,
        job_type: str,
        cron: str,
        payload: Optional[Mapping[str, Any]] = None,
        *,
        user_id: Optional[int] = None,
        enabled: bool = True,
        time_zone: Optional[str] = None,
    ) -> Record:
        """Creates or replaces a schedule (5-field cron, ``@hourly``, ``@daily``...),
        read in ``time_zone`` (IANA, like ``"Europe/Paris"``; UTC when absent)."""
        return _convert(
            self._native.put_schedule(
                name,
                job_type,
                cron,
                dict(payload or {}),
                user_id=user_id,
                enabled=enabled,
                time_zone=time_zone,
            )
        )

    def list_schedules(self) -> List[Record]:
        return _convert(self._native.list_schedules())

    def pause_schedule(self, name: str) -> Record:
        """Stops the schedule of that name from firing until it is resumed."""
        return _convert(self._native.set_schedule_enabled(name, False))

    def resume_schedule(self, name: str) -> Record:
        """Lets a paused schedule fire again, from its next due time on."""
        return _convert(self._native.set_schedule_enabled(name, True))

    def delete_schedule(self, schedule_id: int) -> None:
        self._native.delete_schedule(schedule_id)

    # ---- extensions ----

    def register_workflow(
        self, job_type: str, func: Callable[..., Any], *, max_retries: int = 3
    ) -> None:
        """Runs ``func(payload)`` or ``func(payload, job)`` for jobs of ``job_type``.

        It returns a dict (the job's result) or None. Raise
        :class:`TemporaryError` to have the job retried; any other exception fails
        it. Rust workers call it on their own threads, taking the GIL only for
        the call.
        """
        try:
            arity = len(inspect.signature(func).parameters)
        except (TypeError, ValueError):
            arity = 2
        if arity >= 2:
            call = func
        else:

            def call(payload: Any, job: Any) -> Any:
                return func(payload)

        self._native.register_workflow(job_type, call, max_retries=max_retries)

    def workflow(self, job_type: str, *, max_retries: int = 3) -> Callable[[F], F]:
        """Decorator form of :meth:`register_workflow`."""

        def decorate(func: F) -> F:
            self.register_workflow(job_type, func, max_retries=max_retries)
            return func

        return decorate

    def job_types(self) -> List[str]:
        return list(self._native.job_types())


def _worklog_fields(
    date: Any,
    title: Optional[str],
    tags: Optional[Iterable[str]],
    source: Optional[str],
    metadata: Optional[Mapping[str, Any]],
) -> Dict[str, Any]:
    return {
        "date": _iso(date),
        "title": title,
        "tags": list(tags) if tags is not None else None,
        "source": source,
        "metadata": dict(metadata) if metadata is not None else None,
    }


def _entries(entries: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    prepared = []
    for entry in entries:
        item = dict(entry)
        if "date" in item:
            item["date"] = _iso(item["date"])
        prepared.append(item)
    return prepared


class Session:
    """Calls made as one user (:meth:`Engine.as_user`), under the same rules as
    the HTTP API: another user's objects are :class:`NotFound`, acting for
    another user is :class:`PermissionDenied` unless the user is staff, page
    sizes are 1 to 200, and an ``idempotency_key`` is scoped to the user, so
    a retry returns the same job and a reused key for another request is
    :class:`Conflict`."""

    def __init__(self, engine: Engine, user_id: int) -> None:
        self._engine = engine
        self._cases = engine._cases
        self.user_id = user_id

    def __repr__(self) -> str:
        return f"Session(user_id={self.user_id!r})"

    def _job(self, record: Record) -> Job:
        return Job(self._engine, record, as_user=self.user_id)

    def me(self) -> Record:
        return _convert(self._cases.get_user(self.user_id, as_user=self.user_id))

    # ---- worklogs ----

    def create_worklog(
        self,
        content: str,
        *,
        date: Any = None,
        title: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        source: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        user_id: Optional[int] = None,
    ) -> Record:
        fields = _worklog_fields(date, title, tags, source, metadata)
        return _convert(
            self._cases.create_worklog(user_id, content, as_user=self.user_id, **fields)
        )

    def import_worklogs(
        self, entries: Iterable[Mapping[str, Any]], *, user_id: Optional[int] = None
    ) -> List[Record]:
        return _convert(
            self._cases.import_worklogs(user_id, _entries(entries), as_user=self.user_id)
        )

    def import_git(
        self,
        paths: Iterable[Any],
        *,
        authors: Optional[Iterable[str]] = None,
        since: Any = None,
        until: Any = None,
        dry_run: bool = False,
        analyze: bool = False,
        user_id: Optional[int] = None,
    ) -> Record:
        return _convert(
            self._cases.import_git(
                user_id,
                [str(p) for p in paths],
                authors=None if authors is None else list(authors),
                since=_iso(since),
                until=_iso(until),
                dry_run=dry_run,
                analyze=analyze,
                as_user=self.user_id,
            )
        )

    def import_file(
        self,
        path: Any,
        *,
        format: str,
        dry_run: bool = False,
        analyze: bool = False,
        user_id: Optional[int] = None,
    ) -> Record:
        return _convert(
            self._cases.import_file(
                user_id,
                str(path),
                format=format,
                dry_run=dry_run,
                analyze=analyze,
                as_user=self.user_id,
            )
        )

    def get_worklog(self, worklog_id: int) -> Record:
        return _convert(self._cases.get_worklog(worklog_id, as_user=self.user_id))

    def list_worklogs(
        self,
        *,
        date_from: Any = None,
        date_to: Any = None,
        tag: Optional[str] = None,
        q: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        user_id: Optional[int] = None,
    ) -> Page:
        return Page(
            self._cases.list_worklogs(
                user_id,
                date_from=_iso(date_from),
                date_to=_iso(date_to),
                tag=tag,
                q=q,
                limit=limit,
                cursor=cursor,
                as_user=self.user_id,
            )
        )

    def update_worklog(self, worklog_id: int, **fields: Any) -> Record:
        if "date" in fields:
            fields["date"] = _iso(fields["date"])
        return _convert(self._cases.update_worklog(worklog_id, as_user=self.user_id, **fields))

    def replace_worklog(
        self,
        worklog_id: int,
        content: str,
        *,
        date: Any = None,
        title: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        source: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> Record:
        """Replaces every field; absent ones get their defaults."""
        fields = _worklog_fields(date, title, tags, source, metadata)
        return _convert(
            self._cases.replace_worklog(worklog_id, content, as_user=self.user_id, **fields)
        )

    def delete_worklog(self, worklog_id: int) -> None:
        self._cases.delete_worklog(worklog_id, as_user=self.user_id)

    # ---- jobs ----

    def analyze_worklog(self, worklog_id: int, *, idempotency_key: Optional[str] = None) -> Job:
        return self._job(
            self._cases.analyze_worklog(
                worklog_id, idempotency_key=idempotency_key, as_user=self.user_id
            )
        )

    def extract_skills(
        self,
        *,
        window_days: Optional[int] = None,
        start: Any = None,
        end: Any = None,
        idempotency_key: Optional[str] = None,
    ) -> Job:
        return self._job(
            self._cases.extract_skills(
                None,
                window_days=window_days,
                start=_iso(start),
                end=_iso(end),
                idempotency_key=idempotency_key,
                as_user=self.user_id,
            )
        )

    def generate_report(
        self,
        kind: str = "status",
        *,
        start: Any = None,
        end: Any = None,
        idempotency_key: Optional[str] = None,
    ) -> Job:
        return self._job(
            self._cases.generate_report(
                None,
                kind,
                start=_iso(start),
                end=_iso(end),
                idempotency_key=idempotency_key,
                as_user=self.user_id,
            )
        )

    def refresh_resume(self, *, idempotency_key: Optional[str] = None) -> Job:
        return self._job(
            self._cases.refresh_resume(
                None, idempotency_key=idempotency_key, as_user=self.user_id
            )
        )

    def tailor_resume(
        self, job_description: str, *, idempotency_key: Optional[str] = None
    ) -> Job:
        return self._job(
            self._cases.tailor_resume(
                None, job_description, idempotency_key=idempotency_key, as_user=self.user_id
            )
        )

    def job(self, job_id: str) -> Job:
        return self._job(self._cases.get_job(str(job_id), as_user=self.user_id))

    def get_job(self, job_id: str) -> Record:
        return _convert(self._cases.get_job(str(job_id), as_user=self.user_id))

    def list_jobs(
        self,
        *,
        status: Optional[str] = None,
        job_type: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        user_id: Optional[int] = None,
    ) -> Page:
        return Page(
            self._cases.list_jobs(
                status=status,
                job_type=job_type,
                user_id=user_id,
                limit=limit,
                cursor=cursor,
                as_user=self.user_id,
            )
        )

    def cancel_job(self, job_id: str) -> Record:
        return _convert(self._cases.cancel_job(str(job_id), as_user=self.user_id))

    def job_events(
        self, job_id: str, *, after_id: Optional[int] = None, limit: Optional[int] = None
    ) -> List[Record]:
        page = self._cases.job_events(
            str(job_id), after_id=after_id, limit=limit, as_user=self.user_id
        )
        return _convert(page["results"])

    # ---- skills, reports, resume ----

    def list_skills(self, *, user_id: Optional[int] = None) -> List[Record]:
        return _convert(self._cases.list_skills(user_id, as_user=self.user_id))

    def skill_evidence(self, skill_id: int, *, user_id: Optional[int] = None) -> List[Record]:
        return _convert(self._cases.skill_evidence(user_id, skill_id, as_user=self.user_id))

    def list_reports(
        self,
        *,
        kind: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        user_id: Optional[int] = None,
    ) -> Page:
        return Page(
            self._cases.list_reports(
                user_id, kind=kind, limit=limit, cursor=cursor, as_user=self.user_id
            )
        )

    def get_report(self, report_id: int, *, format: str = "json") -> Any:
        if format == "json":
            return _convert(self._cases.get_report(report_id, as_user=self.user_id))
        return self._cases.render_report(report_id, format, as_user=self.user_id)

    def get_resume(
        self,
        *,
        format: str = "json",
        version: Optional[int] = None,
        theme: Optional[str] = None,
        user_id: Optional[int] = None,
    ) -> Any:
        return self._cases.get_resume(
            user_id, format=format, version=version, theme=theme, as_user=self.user_id
        )

    def get_profile(self) -> Record:
        return _convert(self._cases.get_profile(as_user=self.user_id))

    def curate_skill(self, skill_id: int, **fields: Any) -> Record:
        return _convert(self._cases.curate_skill(skill_id, as_user=self.user_id, **fields))

    def curate_highlight(self, highlight_id: str, **fields: Any) -> Record:
        return _convert(
            self._cases.curate_highlight(highlight_id, as_user=self.user_id, **fields)
        )

    def update_profile(self, **fields: Any) -> Record:
        return _convert(self._cases.update_profile(as_user=self.user_id, **fields))

    def list_positions(self) -> List[Record]:
        return _convert(self._cases.profile_entries("positions", as_user=self.user_id))

    def create_position(self, **fields: Any) -> Record:
        return _convert(
            self._cases.create_profile_entry("positions", as_user=self.user_id, **_dates(fields))
        )

    def update_position(self, position_id: int, **fields: Any) -> Record:
        return _convert(
            self._cases.update_profile_entry(
                "positions", position_id, as_user=self.user_id, **_dates(fields)
            )
        )

    def delete_position(self, position_id: int) -> None:
        self._cases.delete_profile_entry("positions", position_id, as_user=self.user_id)
