"""AfterResume for Python (native module built with maturin)."""

from ._afterresume import __version__, cron_next

__all__ = ["__version__", "cron_next"]
