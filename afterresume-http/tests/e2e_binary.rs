//! The real `afterresume` binary end to end: create a user, serve, log worklogs
//! over HTTP and run analyze -> skills -> report -> resume through the in-process
//! workers, then stop it with SIGTERM and expect a clean exit. On the embedded
//! default and on Postgres.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

fn afterresume(data: &std::path::Path, env: &[(&str, String)]) -> Command {
    let mut cmd = support::binary(data);
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(env: &[(&str, String)]) -> Server {
    let data = tempfile::tempdir().unwrap();
    let out = afterresume(data.path(), env)
        .args([
            "create-user",
            "--username",
            "alice",
            "--email",
            "alice@example.com",
            "--password",
            "alice-password",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let child = afterresume(data.path(), env)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{base}/api/healthz/")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server {
        child,
        base,
        _data: data,
    }
}

async fn wait_job(client: &reqwest::Client, base: &str, token: &str, job_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job: Value = client
            .get(format!("{base}/api/jobs/{job_id}/"))
            .header("authorization", format!("Token {token}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ["success", "failed", "cancelled"].contains(&job["status"].as_str().unwrap_or("")) {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job {job_id} did not finish: {job}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn flow(mut server: Server) {
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let ready = client
        .get(format!("{base}/api/readyz/"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let token: Value = client
        .post(format!("{base}/api/auth/token/"))
        .json(&json!({"username": "alice", "password": "alice-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let auth = format!("Token {token}");
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .header("authorization", &auth)
            .json(&body)
            .send()
    };
    for (date, content) in [
        (
            "2026-11-23",
            "Moved billing to PostgreSQL 15 on k8s; reduced p99 from 800 to 120 ms.",
        ),
        (
            "2026-11-24",
            "Wrote the Terraform for the new VPC and moved CI to GitHub Actions.",
        ),
    ] {
        let w: Value = post(
            "/api/worklogs/",
            json!({"content": content, "date": date, "tags": ["billing"]}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let accepted = post(&format!("/api/worklogs/{}/analyze/", w["id"]), json!({}))
            .await
            .unwrap();
        assert_eq!(accepted.status(), 202);
        let job: Value = accepted.json().await.unwrap();
        let done = wait_job(&client, &base, &token, job["job_id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "success", "{done}");
    }
    for (path, body) in [
        ("/api/skills/recompute/", json!({})),
        (
            "/api/reports/generate/",
            json!({"kind": "status", "start": "2026-11-23", "end": "2026-11-27"}),
        ),
        ("/api/resume/refresh/", json!({})),
    ] {
        let job: Value = post(path, body).await.unwrap().json().await.unwrap();
        let done = wait_job(&client, &base, &token, job["job_id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "success", "{path}: {done}");
    }
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .header("authorization", &auth)
            .send()
    };
    let skills: Value = get("/api/skills/").await.unwrap().json().await.unwrap();
    let names: Vec<&str> = skills["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for expected in ["PostgreSQL", "Kubernetes", "Terraform", "GitHub Actions"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let reports: Value = get("/api/reports/").await.unwrap().json().await.unwrap();
    assert_eq!(reports["results"][0]["kind"], "status");
    let resume: Value = get("/api/resume/").await.unwrap().json().await.unwrap();
    assert!(
        resume["skills"].as_array().is_some_and(|s| !s.is_empty()),
        "{resume}"
    );
    let html = get("/api/resume/?format=html")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("PostgreSQL"));

    // SIGTERM: a graceful, clean exit.
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_whole_flow_on_the_embedded_default() {
    flow(start(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_whole_flow_on_postgres() {
    let url = afterresume_backends::testing::required_env("AFTERRESUME_TEST_POSTGRES_URL");
    let schema = afterresume_backends::testing::unique_namespace();
    flow(
        start(&[
            ("DATABASE_URL", url),
            ("AFTERRESUME_POSTGRES_SCHEMA", schema),
        ])
        .await,
    )
    .await;
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
