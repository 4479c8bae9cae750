//! The host answers health and readiness on the embedded default.

use afterresume_core::EngineConfig;
use afterresume_http::{AppState, Settings, System, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[tokio::test]
async fn healthz_and_readyz_answer_on_the_embedded_default() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().display().to_string();
    let settings =
        Settings::from_lookup(|name| (name == "AFTERRESUME_DATA_DIR").then(|| data_dir.clone()))
            .unwrap();
    let system = System::open(&settings).await.unwrap();
    assert!(dir.path().join("afterresume.sqlite3").exists());
    assert!(dir.path().join("artifacts").is_dir());
    let engine = system
        .engine_builder(EngineConfig::default())
        .build()
        .unwrap();
    let app = router(AppState { engine });
    for path in ["/api/healthz/", "/api/readyz/"] {
        let response = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["status"], "ok", "{path}: {json}");
    }
    let response = app
        .oneshot(Request::get("/api/nope/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
