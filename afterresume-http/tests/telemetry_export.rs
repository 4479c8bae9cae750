//! OpenTelemetry export from the binary: with `OTEL_EXPORTER_OTLP_ENDPOINT` set,
//! a job run by `afterresume enqueue --wait` reaches a collector as a span named
//! after its type (carrying the job's id) and as the attempts metric, flushed
//! before the process exits; with `OTEL_SDK_DISABLED=true` nothing is sent.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;

/// What a fake collector received: (signal, protobuf body).
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// An OTLP/HTTP collector on loopback that keeps every request body.
async fn collector() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/v1/{signal}",
            post(
                |State(received): State<Received>, Path(signal): Path<String>, body: Bytes| async move {
                    received.lock().unwrap().push((signal, body.to_vec()));
                    ([("content-type", "application/x-protobuf")], Vec::<u8>::new())
                },
            ),
        )
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

async fn afterresume(data: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = support::binary(data);
    cmd.args(args)
        .env("RUST_LOG", "info")
        .envs(env.iter().copied());
    let out = tokio::process::Command::from(cmd).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Runs one skill extraction of user 1 and waits for it.
const EXTRACT_AND_WAIT: [&str; 5] = [
    "enqueue",
    "skills.extract",
    "{\"user_id\": 1}",
    "--wait",
    "30",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_spans_and_metrics_reach_the_collector() {
    let (endpoint, received) = collector().await;
    let data = tempfile::tempdir().unwrap();
    afterresume(
        data.path(),
        &[
            "create-user",
            "--username",
            "otto",
            "--password",
            "otto-password",
        ],
        &[],
    )
    .await;
    let otel = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_SERVICE_NAME", "afterresume-test"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "200"),
    ];
    let printed = afterresume(data.path(), &EXTRACT_AND_WAIT, &otel).await;
    let job: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(job["status"], "success", "{printed}");
    let job_id = job["id"].as_str().unwrap();

    let received = received.lock().unwrap().clone();
    let traces: Vec<&Vec<u8>> = received
        .iter()
        .filter(|(signal, _)| signal == "traces")
        .map(|(_, body)| body)
        .collect();
    assert!(
        traces
            .iter()
            .any(|body| contains(body, "job skills.extract") && contains(body, job_id)),
        "no span of job {job_id} among {} trace exports",
        traces.len()
    );
    assert!(traces.iter().any(|body| contains(body, "afterresume-test")));
    assert!(
        received.iter().any(|(signal, body)| signal == "metrics"
            && contains(body, "afterresume.job.attempts")
            && contains(body, "skills.extract")),
        "no attempts metric among {:?}",
        received
            .iter()
            .map(|(s, b)| (s, b.len()))
            .collect::<Vec<_>>()
    );

    let (quiet, silence) = collector().await;
    afterresume(
        data.path(),
        &EXTRACT_AND_WAIT,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", quiet.as_str()),
            ("OTEL_SDK_DISABLED", "true"),
        ],
    )
    .await;
    assert!(
        silence.lock().unwrap().is_empty(),
        "exported while disabled"
    );
}
