//! Workspace integration tests: the engine across backends. See `tests/tests/`.
