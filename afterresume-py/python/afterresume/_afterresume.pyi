"""Type stubs of the native module (checked by mypy.stubtest in scripts/python.sh)."""

from typing import Any, Dict, List, Optional, final

__version__: str

def cron_next(expr: str, after_epoch: int) -> int: ...

class Error(Exception): ...
class NotFound(Error): ...
class InvalidInput(Error): ...
class Conflict(Error): ...
class BackendError(Error): ...
class ConfigError(Error): ...
class Unauthenticated(Error): ...
class PermissionDenied(Error): ...
class Timeout(Error): ...
class TemporaryError(Error): ...

@final
class NativeEngine:
    @staticmethod
    def open(
        url: str, *, options: Optional[Dict[str, str]] = None, llm: Optional[Any] = None
    ) -> NativeEngine: ...
    @staticmethod
    def in_memory(
        *, auto_chain: bool = False, llm: Optional[Any] = None, llm_writer: bool = True
    ) -> NativeEngine: ...
    def describe(self) -> str: ...
    def run_workers(self, n: int, queues: Optional[List[str]] = None) -> None: ...
    def stop_workers(self, grace: float = 10.0) -> bool: ...
    def run_pending(self) -> int: ...
    def create_user(
        self,
        username: str,
        email: str = "",
        *,
        password: str,
        full_name: str = "",
        staff: bool = False,
    ) -> Dict[str, Any]: ...
    def authenticate(self, username: str, password: str) -> Dict[str, Any]: ...
    def use_cases(self) -> NativeUseCases: ...
    def enqueue(
        self,
        job_type: str,
        payload: Optional[Any] = None,
        *,
        user_id: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        priority: Optional[int] = None,
        queue: Optional[str] = None,
        concurrency_key: Optional[str] = None,
    ) -> Dict[str, Any]: ...
    def wait_job(
        self, job_id: str, timeout: float = 30.0, *, as_user: Optional[int] = None
    ) -> Dict[str, Any]: ...
    def put_schedule(
        self,
        name: str,
        job_type: str,
        cron: str,
        payload: Optional[Any] = None,
        *,
        user_id: Optional[int] = None,
        enabled: bool = True,
        time_zone: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def list_schedules(self, *, as_user: Optional[int] = None) -> List[Dict[str, Any]]: ...
    def set_schedule_enabled(
        self, name: str, enabled: bool, *, as_user: Optional[int] = None
    ) -> Dict[str, Any]: ...
    def delete_schedule(self, schedule_id: int, *, as_user: Optional[int] = None) -> None: ...
    def register_workflow(self, job_type: str, func: Any, *, max_retries: int = 3) -> None: ...
    def job_types(self) -> List[str]: ...

@final
class NativeUseCases:
    def get_user(self, user_id: int, *, as_user: Optional[int] = None) -> Dict[str, Any]: ...
    def create_worklog(
        self,
        user_id: Optional[int],
        content: str,
        *,
        date: Optional[str] = None,
        title: Optional[str] = None,
        tags: Optional[List[str]] = None,
        source: Optional[str] = None,
        metadata: Optional[Any] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def import_worklogs(
        self,
        user_id: Optional[int],
        entries: List[Dict[str, Any]],
        *,
        as_user: Optional[int] = None,
    ) -> List[Dict[str, Any]]: ...
    def import_git(
        self,
        user_id: Optional[int],
        paths: List[str],
        *,
        authors: Optional[List[str]] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        dry_run: bool = False,
        analyze: bool = False,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def import_file(
        self,
        user_id: Optional[int],
        path: str,
        *,
        format: str,
        dry_run: bool = False,
        analyze: bool = False,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def get_worklog(self, worklog_id: int, *, as_user: Optional[int] = None) -> Dict[str, Any]: ...
    def list_worklogs(
        self,
        user_id: Optional[int],
        *,
        date_from: Optional[str] = None,
        date_to: Optional[str] = None,
        tag: Optional[str] = None,
        q: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def update_worklog(
        self, worklog_id: int, *, as_user: Optional[int] = None, **fields: Any
    ) -> Dict[str, Any]: ...
    def replace_worklog(
        self,
        worklog_id: int,
        content: str,
        *,
        date: Optional[str] = None,
        title: Optional[str] = None,
        tags: Optional[List[str]] = None,
        source: Optional[str] = None,
        metadata: Optional[Any] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def delete_worklog(self, worklog_id: int, *, as_user: Optional[int] = None) -> None: ...
    def analyze_worklog(
        self,
        worklog_id: int,
        *,
        idempotency_key: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def extract_skills(
        self,
        user_id: Optional[int],
        *,
        window_days: Optional[int] = None,
        start: Optional[str] = None,
        end: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def generate_report(
        self,
        user_id: Optional[int],
        kind: str = "status",
        *,
        start: Optional[str] = None,
        end: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def refresh_resume(
        self,
        user_id: Optional[int],
        *,
        idempotency_key: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def tailor_resume(
        self,
        user_id: Optional[int],
        job_description: str,
        *,
        idempotency_key: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def get_job(self, job_id: str, *, as_user: Optional[int] = None) -> Dict[str, Any]: ...
    def list_jobs(
        self,
        *,
        status: Optional[str] = None,
        job_type: Optional[str] = None,
        queue: Optional[str] = None,
        user_id: Optional[int] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def cancel_job(self, job_id: str, *, as_user: Optional[int] = None) -> Dict[str, Any]: ...
    def retry_job(self, job_id: str, *, as_user: Optional[int] = None) -> Dict[str, Any]: ...
    def queues(self, *, as_user: Optional[int] = None) -> Dict[str, Any]: ...
    def set_paused(
        self, kind: str, name: str, paused: bool, *, as_user: Optional[int] = None
    ) -> Dict[str, Any]: ...
    def purge_dead_jobs(
        self, *, job_type: Optional[str] = None, as_user: Optional[int] = None
    ) -> int: ...
    def job_events(
        self,
        job_id: str,
        *,
        after_id: Optional[int] = None,
        limit: Optional[int] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def list_skills(
        self, user_id: Optional[int], *, as_user: Optional[int] = None
    ) -> List[Dict[str, Any]]: ...
    def skill_evidence(
        self, user_id: Optional[int], skill_id: int, *, as_user: Optional[int] = None
    ) -> List[Dict[str, Any]]: ...
    def list_reports(
        self,
        user_id: Optional[int],
        *,
        kind: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def get_report(self, report_id: int, *, as_user: Optional[int] = None) -> Dict[str, Any]: ...
    def render_report(
        self, report_id: int, format: str, *, as_user: Optional[int] = None
    ) -> Any: ...
    def get_resume(
        self,
        user_id: Optional[int],
        *,
        format: str = "json",
        version: Optional[int] = None,
        theme: Optional[str] = None,
        as_user: Optional[int] = None,
    ) -> Any: ...
    def get_curation(
        self, user_id: Optional[int] = None, *, as_user: Optional[int] = None
    ) -> Dict[str, Any]: ...
    def curate_skill(
        self,
        skill_id: int,
        user_id: Optional[int] = None,
        *,
        as_user: Optional[int] = None,
        **fields: Any,
    ) -> Dict[str, Any]: ...
    def curate_highlight(
        self,
        highlight_id: str,
        user_id: Optional[int] = None,
        *,
        as_user: Optional[int] = None,
        **fields: Any,
    ) -> Dict[str, Any]: ...
    def get_profile(
        self, user_id: Optional[int] = None, *, as_user: Optional[int] = None
    ) -> Dict[str, Any]: ...
    def update_profile(
        self, user_id: Optional[int] = None, *, as_user: Optional[int] = None, **fields: Any
    ) -> Dict[str, Any]: ...
    def profile_entries(
        self, section: str, user_id: Optional[int] = None, *, as_user: Optional[int] = None
    ) -> List[Dict[str, Any]]: ...
    def profile_entry(
        self,
        section: str,
        entry_id: int,
        user_id: Optional[int] = None,
        *,
        as_user: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def create_profile_entry(
        self,
        section: str,
        user_id: Optional[int] = None,
        *,
        as_user: Optional[int] = None,
        **fields: Any,
    ) -> Dict[str, Any]: ...
    def update_profile_entry(
        self,
        section: str,
        entry_id: int,
        user_id: Optional[int] = None,
        *,
        as_user: Optional[int] = None,
        **fields: Any,
    ) -> Dict[str, Any]: ...
    def delete_profile_entry(
        self,
        section: str,
        entry_id: int,
        user_id: Optional[int] = None,
        *,
        as_user: Optional[int] = None,
    ) -> None: ...
