"""The engine on shared services: Postgres for the truth, Redis for the queue,
S3 for artifacts (the variables come from scripts/services.sh)."""

import os

import pytest

import afterresume
from conftest import postgres_url, unique_schema


def required(name):
    value = os.environ.get(name)
    if not value:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is unset on CI: run scripts/test.sh")
        pytest.skip(f"{name} is unset (scripts/services.sh up prints it)")
    return value


def test_postgres_redis_and_s3_together(tmp_path):
    s3 = {
        "MINIO_ENDPOINT": required("AFTERRESUME_TEST_S3_ENDPOINT"),
        "MINIO_ACCESS_KEY": required("AFTERRESUME_TEST_S3_ACCESS_KEY"),
        "MINIO_SECRET_KEY": required("AFTERRESUME_TEST_S3_SECRET_KEY"),
        "MINIO_BUCKET": required("AFTERRESUME_TEST_S3_BUCKET"),
        "MINIO_PREFIX": unique_schema(),
    }
    schema = unique_schema()
    with afterresume.Engine.open(
        postgres_url(),
        postgres_schema=schema,
        redis_url=required("AFTERRESUME_TEST_REDIS_URL"),
        redis_prefix=f"afterresume-test:{schema}",
        s3=s3,
        data_dir=str(tmp_path),
    ) as eng:
        description = eng.describe()
        assert "queue: redis" in description and "s3 bucket" in description
        assert "SECRET" not in description and s3["MINIO_SECRET_KEY"] not in description
        eng.run_workers(2)
        uid = eng.create_user("gus", password="gus-password")["id"]
        wl = eng.create_worklog(uid, "Deployed the API to Kubernetes with Helm.")
        assert eng.analyze_worklog(wl["id"]).wait(timeout=30)["status"] == "success"
        refreshed = eng.refresh_resume(uid).wait(timeout=30)
        assert refreshed["status"] == "success", refreshed["error"]
        assert "Kubernetes" in eng.get_resume(uid, format="markdown")
    with pytest.raises(afterresume.InvalidInput, match="MINIO"):
        afterresume.Engine.open("sqlite:///x.sqlite3", s3={"ENDPOINT": "x"})
