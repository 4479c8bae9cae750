//! The OpenAI-compatible provider against a scripted HTTP server: request shape,
//! Retry-After, 5xx retries, auth errors without the key, the concurrency limit.
#![cfg(feature = "openai")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use afterresume_backends::openai::{OpenAiOptions, OpenAiProvider};
use afterresume_core::ErrorKind;
use afterresume_core::ports::{LlmProvider, LlmRequest};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Default)]
struct Server {
    /// Status codes to answer with first (then 200s).
    failures: Mutex<Vec<(u16, Option<&'static str>)>>,
    bodies: Mutex<Vec<(Value, Option<String>)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    delay: Duration,
}

async fn chat(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    server.bodies.lock().await.push((body, auth));
    let now = server.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    server.max_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(server.delay).await;
    server.in_flight.fetch_sub(1, Ordering::SeqCst);
    let failure = {
        let mut f = server.failures.lock().await;
        if f.is_empty() {
            None
        } else {
            Some(f.remove(0))
        }
    };
    match failure {
        Some((code, retry_after)) => {
            let mut response = (StatusCode::from_u16(code).unwrap(), "slow down").into_response();
            if let Some(v) = retry_after {
                response.headers_mut().insert("retry-after", v.parse().unwrap());
            }
            response
        }
        None => Json(json!({
            "model": "qwen-test",
            "choices": [{"message": {"role": "assistant", "content": "{\"answer\": \"42\"}"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 21, "completion_tokens": 7}
        }))
        .into_response(),
    }
}

async fn models(headers: HeaderMap) -> Response {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some("Bearer sk-secret-123") => {
            Json(json!({"data": [{"id": "qwen-test"}]})).into_response()
        }
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn serve(server: Arc<Server>) -> String {
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .route("/v1/models", axum::routing::get(models))
        .with_state(server);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

fn request() -> LlmRequest {
    LlmRequest {
        system: Some("be brief".into()),
        prompt: "the answer?".into(),
        json_schema: Some(json!({"type": "object", "properties": {"answer": {"type": "string"}}})),
        max_tokens: Some(64),
        temperature: Some(0.0),
    }
}

fn provider(endpoint: &str, f: impl FnOnce(&mut OpenAiOptions)) -> OpenAiProvider {
    let mut options = OpenAiOptions::new("vllm", endpoint, "qwen-test");
    options.api_key = Some("sk-secret-123".into());
    f(&mut options);
    OpenAiProvider::new(options).unwrap()
}

#[tokio::test]
async fn sends_chat_completions_with_schema_and_reads_usage() {
    let server = Arc::new(Server::default());
    let endpoint = serve(Arc::clone(&server)).await;
    let p = provider(&endpoint, |_| {});
    let r = p.complete(&request()).await.unwrap();
    assert_eq!(r.json.unwrap()["answer"], "42");
    assert_eq!((r.usage.prompt_tokens, r.usage.completion_tokens), (21, 7));
    assert_eq!(r.finish_reason.as_deref(), Some("stop"));
    assert_eq!(r.model, "qwen-test");
    let (body, auth) = server.bodies.lock().await[0].clone();
    assert_eq!(auth.as_deref(), Some("Bearer sk-secret-123"));
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["max_tokens"], 64);
    assert!(
        !format!("{p:?}").contains("sk-secret"),
        "the key never shows in Debug"
    );
}

#[tokio::test]
async fn retries_429_after_retry_after_and_5xx_with_backoff() {
    let server = Arc::new(Server::default());
    server
        .failures
        .lock()
        .await
        .extend([(429, Some("1")), (503, None)]);
    let endpoint = serve(Arc::clone(&server)).await;
    let started = Instant::now();
    let r = provider(&endpoint, |_| {})
        .complete(&request())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(r.json.unwrap()["answer"], "42");
    assert_eq!(server.bodies.lock().await.len(), 3);
}

#[tokio::test]
async fn gives_up_with_a_typed_error_and_never_echoes_the_key() {
    let server = Arc::new(Server::default());
    server
        .failures
        .lock()
        .await
        .extend([(429, Some("0")), (429, Some("0"))]);
    let endpoint = serve(Arc::clone(&server)).await;
    let err = provider(&endpoint, |o| o.max_retries = 1)
        .complete(&request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert!(err.is_temporary());
    // A Retry-After longer than the cap gives up at once (the engine retries the job).
    server.failures.lock().await.push((429, Some("600")));
    let err = provider(&endpoint, |_| {})
        .complete(&request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    server.failures.lock().await.push((401, None));
    let err = provider(&endpoint, |_| {})
        .complete(&request())
        .await
        .unwrap_err();
    assert!(!err.is_temporary());
    assert!(err.to_string().contains("LLM_API_KEY") && !err.to_string().contains("sk-secret"));
    let err = provider("http://127.0.0.1:9/v1", |o| o.max_retries = 0)
        .complete(&request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
}

#[tokio::test]
async fn check_asks_the_models_route_with_the_key() {
    let endpoint = serve(Arc::new(Server::default())).await;
    provider(&endpoint, |_| {}).check().await.unwrap();
    let err = provider(&endpoint, |o| o.api_key = Some("wrong".into()))
        .check()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 401"), "{err}");
    assert!(!err.to_string().contains("wrong"));
    let err = provider("http://127.0.0.1:9/v1", |_| {})
        .check()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("could not connect"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_limited_per_provider() {
    let server = Arc::new(Server {
        delay: Duration::from_millis(100),
        ..Default::default()
    });
    let endpoint = serve(Arc::clone(&server)).await;
    let p = provider(&endpoint, |o| o.max_concurrency = 2);
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.complete(&request()).await.unwrap() })
        })
        .collect();
    for c in calls {
        c.await.unwrap();
    }
    assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 2);
}

#[test]
fn settings_come_from_the_reference_variables() {
    let env = |pairs: &'static [(&str, &str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(
        OpenAiOptions::from_lookup(env(&[])).unwrap().is_none(),
        "local by default"
    );
    let o = OpenAiOptions::from_lookup(env(&[
        ("LLM_PROVIDER", "vllm"),
        ("LLM_VLLM_ENDPOINT", "http://10.0.0.5:8000/v1/"),
        ("LLM_MODEL_NAME", "qwen"),
    ]))
    .unwrap()
    .unwrap();
    assert_eq!(
        (o.endpoint.as_str(), o.model.as_str()),
        ("http://10.0.0.5:8000/v1", "qwen")
    );
    for (pairs, needle) in [
        (&[("LLM_PROVIDER", "gpt")][..], "LLM_PROVIDER"),
        (&[("LLM_PROVIDER", "vllm")][..], "LLM_MODEL_NAME"),
        (
            &[("LLM_PROVIDER", "openai"), ("LLM_MODEL_NAME", "m")][..],
            "LLM_API_KEY",
        ),
        (
            &[
                ("LLM_PROVIDER", "ollama"),
                ("LLM_MODEL_NAME", "m"),
                ("LLM_VLLM_ENDPOINT", "ftp://x"),
            ][..],
            "LLM_VLLM_ENDPOINT",
        ),
        (
            &[
                ("LLM_PROVIDER", "ollama"),
                ("LLM_MODEL_NAME", "m"),
                ("LLM_TIMEOUT_SECS", "0"),
            ][..],
            "LLM_TIMEOUT_SECS",
        ),
    ] {
        let pairs: &'static [(&str, &str)] = pairs;
        let err = OpenAiOptions::from_lookup(env(pairs))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(needle), "{err}");
    }
}
