"""Engines for the tests: in-memory, SQLite in a temp dir, and Postgres in a
schema of its own when AFTERRESUME_TEST_POSTGRES_URL is set (scripts/test.sh sets
it; on CI a missing variable fails instead of skipping)."""

import itertools
import os

import pytest

import afterresume

_counter = itertools.count()


def unique_schema() -> str:
    # scripts/services.sh clean drops every ar_t_* schema.
    return f"ar_t_py_{os.getpid()}_{next(_counter)}"


def postgres_url() -> str:
    url = os.environ.get("AFTERRESUME_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("AFTERRESUME_TEST_POSTGRES_URL is unset on CI: run scripts/test.sh")
        pytest.skip("AFTERRESUME_TEST_POSTGRES_URL is unset (scripts/services.sh up prints it)")
    return url


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def eng(request, tmp_path):
    if request.param == "memory":
        engine = afterresume.Engine.in_memory()
    elif request.param == "sqlite":
        engine = afterresume.Engine.open(f"sqlite:///{tmp_path}/ar.sqlite3")
    else:
        engine = afterresume.Engine.open(
            postgres_url(), postgres_schema=unique_schema(), data_dir=str(tmp_path)
        )
    with engine:
        yield engine


@pytest.fixture
def mem():
    with afterresume.Engine.in_memory() as engine:
        yield engine
