//! The `afterresume` binary picks its backends from the reference variables and
//! refuses to start, naming the variable, when one is wrong or its service is down.

use std::process::Command;

fn afterresume(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_afterresume"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("MINIO_ENDPOINT")
        .env("AFTERRESUME_DATA_DIR", data.path())
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_runs_on_the_embedded_default() {
    let (ok, stdout, stderr) = afterresume(&["migrate"], &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("sqlite://"), "{stdout}");
}

#[test]
fn migrate_runs_on_postgres_with_redis_and_s3() {
    let pg = afterresume_backends::testing::required_env("AFTERRESUME_TEST_POSTGRES_URL");
    let redis = afterresume_backends::testing::required_env("AFTERRESUME_TEST_REDIS_URL");
    let s3 = afterresume_backends::testing::s3_options();
    let schema = afterresume_backends::testing::unique_namespace();
    let (ok, stdout, stderr) = afterresume(
        &["migrate"],
        &[
            ("DATABASE_URL", &pg),
            ("AFTERRESUME_POSTGRES_SCHEMA", &schema),
            ("REDIS_URL", &redis),
            ("MINIO_ENDPOINT", s3.endpoint.as_deref().unwrap()),
            ("MINIO_ACCESS_KEY", &s3.access_key),
            ("MINIO_SECRET_KEY", &s3.secret_key),
            ("MINIO_BUCKET", &s3.bucket),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(&format!("postgres (schema {schema})")),
        "{stdout}"
    );
    assert!(stdout.contains("queue: redis"), "{stdout}");
    assert!(stdout.contains("s3 bucket"), "{stdout}");
}

#[test]
fn bad_or_unreachable_settings_name_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("DATABASE_URL", "mysql://db/app")], "DATABASE_URL"),
        (
            &[("DATABASE_URL", "postgres://u:hunter2@127.0.0.1:1/app")],
            "DATABASE_URL",
        ),
        (&[("REDIS_URL", "redis://127.0.0.1:1/0")], "REDIS_URL"),
        (&[("REDIS_URL", "127.0.0.1:6379")], "REDIS_URL"),
        (&[("MINIO_ENDPOINT", "127.0.0.1:1")], "MINIO_ACCESS_KEY"),
        (
            &[
                ("MINIO_ENDPOINT", "127.0.0.1:1"),
                ("MINIO_ACCESS_KEY", "a"),
                ("MINIO_SECRET_KEY", "b"),
                ("MINIO_BUCKET", "c"),
            ],
            "MINIO_ENDPOINT",
        ),
    ];
    for (env, variable) in cases {
        let (ok, _stdout, stderr) = afterresume(&["migrate"], env);
        assert!(!ok, "{env:?} started");
        assert!(
            stderr.contains(&format!("afterresume: {variable}:")),
            "{env:?}: {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
    }
}
