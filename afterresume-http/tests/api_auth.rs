//! Authentication and permissions: every route needs auth except health and the
//! credential routes (checked against the OpenAPI document, so a new route cannot
//! slip through), tokens and their revocation, sessions with CSRF, the login rate
//! limit, cross-user access on every object type, the dashboard's rules and
//! ALLOWED_HOSTS.

mod support;

use std::net::SocketAddr;

use afterresume_http::{HostSettings, openapi};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{App, As, SECRET_KEY};

/// Routes that answer without credentials.
const PUBLIC: &[&str] = &[
    "/api/healthz/",
    "/api/readyz/",
    "/api/auth/token/",
    "/api/auth/login/",
];

fn concrete(path: &str) -> String {
    path.replace("{id}", "01a230b8-f410-741a-9570-e26c5e0e3090")
        .replace(
            "/api/worklogs/01a230b8-f410-741a-9570-e26c5e0e3090",
            "/api/worklogs/1",
        )
        .replace(
            "/api/reports/01a230b8-f410-741a-9570-e26c5e0e3090",
            "/api/reports/1",
        )
        .replace(
            "/api/skills/01a230b8-f410-741a-9570-e26c5e0e3090",
            "/api/skills/1",
        )
        .replace(
            "/api/auth/tokens/01a230b8-f410-741a-9570-e26c5e0e3090",
            "/api/auth/tokens/1",
        )
}

#[tokio::test]
async fn every_documented_route_exists_and_needs_auth_except_health_and_login() {
    let app = App::memory();
    let document = openapi();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 25, "{} paths", paths.len());
    let mut checked = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let reply = app
                .call(
                    method.clone(),
                    &concrete(path),
                    &As::Anonymous,
                    Some(json!({})),
                )
                .await;
            assert_ne!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {path} is not routed"
            );
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            if PUBLIC.contains(&path.as_str()) {
                assert_ne!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} is public"
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path}: {}",
                    reply.text
                );
                assert_eq!(reply.json["code"], "unauthenticated");
                assert_eq!(reply.headers["www-authenticate"], "Token");
            }
            checked += 1;
        }
    }
    assert!(checked >= 29, "{checked}");
    // Undocumented routes answer JSON too.
    let reply = app.get("/api/nothing-here/", &As::Anonymous).await;
    assert_eq!(
        (reply.status, reply.json["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let reply = app
        .call(Method::DELETE, "/api/healthz/", &As::Anonymous, None)
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.json["code"], "method_not_allowed");
}

#[tokio::test]
async fn tokens_are_issued_used_listed_and_revoked() {
    let app = App::memory();
    app.user("alice", false).await;
    let reply = app
        .post(
            "/api/auth/token/",
            &As::Anonymous,
            json!({"username": "alice", "password": "alice-password", "name": "laptop"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let secret = reply.json["token"].as_str().unwrap().to_owned();
    let token_id = reply.json["id"].as_i64().unwrap();
    assert!(reply.json["user"].get("password_hash").is_none());
    for who in [As::Token(secret.clone()), As::Bearer(secret.clone())] {
        let me = app.get("/api/auth/me/", &who).await;
        assert_eq!(me.json["username"], "alice", "{}", me.text);
    }
    let list = app
        .get("/api/auth/tokens/", &As::Token(secret.clone()))
        .await;
    assert!(!list.text.contains(&secret), "the secret is never listed");
    assert!(!list.text.contains("token_hash"));
    assert!(
        list.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "laptop")
    );
    // Stored as a digest: the domain store never sees the secret.
    let stored = app
        .state
        .app
        .domain()
        .list_tokens(1, Default::default())
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|t| t.token_hash != secret && t.token_hash.len() == 64)
    );

    let bad = app
        .post(
            "/api/auth/token/",
            &As::Anonymous,
            json!({"username": "alice", "password": "nope-nope"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let unknown = app
        .post(
            "/api/auth/token/",
            &As::Anonymous,
            json!({"username": "mallory", "password": "nope-nope"}),
        )
        .await;
    assert_eq!(
        unknown.json["message"], bad.json["message"],
        "no username probing"
    );
    let garbage = app
        .get("/api/auth/me/", &As::Token("ar_not-a-token".into()))
        .await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
    let scheme = app
        .call_with(
            Method::GET,
            "/api/auth/me/",
            &As::Anonymous,
            None,
            &[("authorization", "Basic YTpi")],
            None,
        )
        .await;
    assert_eq!(scheme.status, StatusCode::UNAUTHORIZED);

    let revoked = app
        .call(
            Method::DELETE,
            &format!("/api/auth/tokens/{token_id}/"),
            &As::Token(secret.clone()),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let after = app.get("/api/auth/me/", &As::Token(secret)).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "revoked tokens never authenticate"
    );
}

#[tokio::test]
async fn sessions_use_secure_cookies_and_csrf_and_logout_revokes_them() {
    secure_behind_a_tls_proxy().await;
    let app = App::memory();
    app.user("alice", false).await;
    let login = app
        .post(
            "/api/auth/login/",
            &As::Anonymous,
            json!({"username": "alice", "password": "alice-password"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let cookies: Vec<&str> = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("afterresume_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{session}");
    }
    assert!(
        !session.contains("Secure"),
        "over plain HTTP (a browser at http://127.0.0.1:8000) the cookie must not be Secure: {session}"
    );
    let secret = session["afterresume_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = login.json["csrf_token"].as_str().unwrap().to_owned();

    let me = app
        .get("/api/auth/me/", &As::Session(secret.clone(), None))
        .await;
    assert_eq!(
        me.json["username"], "alice",
        "safe methods need no CSRF token"
    );
    let body = json!({"content": "Wrote the Terraform for the VPC"});
    let no_csrf = app
        .post(
            "/api/worklogs/",
            &As::Session(secret.clone(), None),
            body.clone(),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(no_csrf.json["code"], "csrf_failed");
    let wrong = app
        .post(
            "/api/worklogs/",
            &As::Session(secret.clone(), Some("00".repeat(32))),
            body.clone(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(
        app.state
            .app
            .domain()
            .list_worklogs(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );
    let ok = app
        .post(
            "/api/worklogs/",
            &As::Session(secret.clone(), Some(csrf.clone())),
            body,
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);

    let logout = app
        .call(
            Method::POST,
            "/api/auth/logout/",
            &As::Session(secret.clone(), Some(csrf)),
            None,
        )
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(
        logout
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().contains("Max-Age=0"))
    );
    let after = app.get("/api/auth/me/", &As::Session(secret, None)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

/// Every object operation on another user's object is 404 (not 403: existence is
/// not revealed); staff see everything.
#[tokio::test]
async fn users_never_see_or_touch_each_others_objects() {
    let app = App::memory();
    let (alice_id, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let (_, staff) = app.user("root", true).await;
    let (alice, bob, staff) = (As::Token(alice), As::Token(bob), As::Token(staff));
    let w = app
        .post(
            "/api/worklogs/",
            &alice,
            json!({"content": "Moved billing to PostgreSQL on k8s", "date": "2026-11-23"}),
        )
        .await;
    let wid = w.json["id"].as_i64().unwrap();
    let job = app
        .post(&format!("/api/worklogs/{wid}/analyze/"), &alice, json!({}))
        .await;
    let job_id = job.json["job_id"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    app.post("/api/reports/generate/", &alice, json!({"kind": "standup"}))
        .await;
    app.post("/api/resume/refresh/", &alice, json!({})).await;
    app.run_jobs().await;
    let report_id = app.get("/api/reports/", &alice).await.json["results"][0]["id"]
        .as_i64()
        .unwrap();
    let skill_id = app.get("/api/skills/", &alice).await.json["results"][0]["id"]
        .as_i64()
        .unwrap();
    let token_id = app
        .state
        .app
        .domain()
        .list_tokens(alice_id, Default::default())
        .await
        .unwrap()[0]
        .id;

    let worklog = format!("/api/worklogs/{wid}/");
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, worklog.clone(), None),
        (
            Method::PATCH,
            worklog.clone(),
            Some(json!({"content": "mine now"})),
        ),
        (
            Method::PUT,
            worklog.clone(),
            Some(json!({"content": "mine now"})),
        ),
        (Method::DELETE, worklog.clone(), None),
        (Method::POST, format!("{worklog}analyze/"), Some(json!({}))),
        (Method::GET, format!("/api/reports/{report_id}/"), None),
        (Method::GET, format!("/api/jobs/{job_id}/"), None),
        (Method::GET, format!("/api/jobs/{job_id}/events/"), None),
        (Method::POST, format!("/api/jobs/{job_id}/cancel/"), None),
        (
            Method::DELETE,
            format!("/api/auth/tokens/{token_id}/"),
            None,
        ),
    ];
    for (method, path, body) in &cases {
        let reply = app.call(method.clone(), path, &bob, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            reply.text
        );
    }
    // Lists never include other users' objects, and asking for them is refused.
    for path in [
        "/api/worklogs/",
        "/api/skills/",
        "/api/reports/",
        "/api/jobs/",
    ] {
        let reply = app.get(path, &bob).await;
        assert_eq!(reply.json["results"].as_array().unwrap().len(), 0, "{path}");
        let other = app.get(&format!("{path}?user_id={alice_id}"), &bob).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "{path}");
    }
    for path in [
        format!("/api/skills/{skill_id}/evidence/?user_id={alice_id}"),
        format!("/api/resume/?user_id={alice_id}"),
    ] {
        assert_eq!(
            app.get(&path, &bob).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert!(
        app.get(&format!("/api/skills/{skill_id}/evidence/"), &bob)
            .await
            .json["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get("/api/resume/", &bob).await.status,
        StatusCode::NOT_FOUND
    );
    // Nothing changed.
    let still = app.get(&worklog, &alice).await;
    assert_eq!(still.json["content"], "Moved billing to PostgreSQL on k8s");
    // Staff see all of it.
    for path in [
        worklog.clone(),
        format!("/api/reports/{report_id}/"),
        format!("/api/jobs/{job_id}/"),
        format!("/api/resume/?user_id={alice_id}"),
        format!("/api/worklogs/?user_id={alice_id}"),
    ] {
        assert_eq!(
            app.get(&path, &staff).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_dashboard_is_staff_only_unless_debug_on_loopback_and_can_be_switched_off() {
    let app = App::memory();
    let (_, user) = app.user("alice", false).await;
    let (_, staff) = app.user("root", true).await;
    let paths = [
        "/system/overview/",
        "/system/jobs/",
        "/system/schedules/",
        "/system/health/",
    ];
    let loopback: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    for path in paths {
        assert_eq!(
            app.get(path, &As::Anonymous).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            app.get(path, &As::Token(user.clone())).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            app.get(path, &As::Token(staff.clone())).await.status,
            StatusCode::OK,
            "{path}"
        );
        let local = app
            .call_with(Method::GET, path, &As::Anonymous, None, &[], Some(loopback))
            .await;
        assert_eq!(
            local.status,
            StatusCode::UNAUTHORIZED,
            "no DEBUG: login required even locally"
        );
    }
    let debug = App::memory_with(HostSettings {
        debug: true,
        ..HostSettings::with_secret_key(SECRET_KEY)
    });
    let remote: SocketAddr = "198.51.100.4:4000".parse().unwrap();
    for path in paths {
        let local = debug
            .call_with(Method::GET, path, &As::Anonymous, None, &[], Some(loopback))
            .await;
        assert_eq!(
            local.status,
            StatusCode::OK,
            "{path}: DEBUG opens it to loopback"
        );
        let far = debug
            .call_with(Method::GET, path, &As::Anonymous, None, &[], Some(remote))
            .await;
        assert_eq!(
            far.status,
            StatusCode::UNAUTHORIZED,
            "{path}: never to remote clients"
        );
    }
    let off = App::memory_with(HostSettings {
        dashboard_enabled: false,
        ..HostSettings::with_secret_key(SECRET_KEY)
    });
    let (_, root) = off.user("root", true).await;
    assert_eq!(
        off.get("/system/overview/", &As::Token(root)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hosts_outside_allowed_hosts_are_refused() {
    let app = App::memory();
    let request = axum::http::Request::get("/api/healthz/")
        .header("host", "evil.example:8000")
        .body(axum::body::Body::empty())
        .unwrap();
    let refused = app.send(request).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json["code"], "disallowed_host");
    let request = axum::http::Request::get("/api/healthz/")
        .header("host", "127.0.0.1:8000")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);

    // Ambiguous or malformed hosts are refused too.
    let ambiguous = [
        (
            "/api/healthz/",
            vec!["localhost", "evil.example"],
            "bad_host",
        ),
        ("/api/healthz/", vec!["[::1].evil.com"], "disallowed_host"),
        ("/api/healthz/", vec![], "bad_host"),
        (
            "http://evil.example/api/healthz/",
            vec!["localhost"],
            "bad_host",
        ),
        (
            "http://evil.example/api/healthz/",
            vec![],
            "disallowed_host",
        ),
    ];
    for (target, hosts, code) in ambiguous {
        let mut request = axum::http::Request::get(target);
        for host in &hosts {
            request = request.header("host", *host);
        }
        let reply = app
            .send(request.body(axum::body::Body::empty()).unwrap())
            .await;
        assert_eq!(
            (reply.status, reply.json["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{target} {hosts:?}: {}",
            reply.text
        );
    }
    let http10 = axum::http::Request::get("/api/healthz/")
        .version(axum::http::Version::HTTP_10)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(http10).await.status, StatusCode::OK);
}

/// Behind a trusted proxy that says the request came over HTTPS, the session
/// cookie is `Secure`; the same header from anyone else changes nothing.
async fn secure_behind_a_tls_proxy() {
    let proxy: std::net::SocketAddr = "10.0.0.5:40000".parse().unwrap();
    let mut settings = afterresume_http::HostSettings::with_secret_key(support::SECRET_KEY);
    settings.trusted_proxies = vec![proxy.ip()];
    let app = App::memory_with(settings);
    app.user("alice", false).await;
    let body = json!({"username": "alice", "password": "alice-password"});
    let session_cookie = |reply: &support::Reply| -> String {
        reply
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("afterresume_session="))
            .unwrap()
    };
    let headers = [("x-forwarded-proto", "https")];
    let via_proxy = app
        .call_with(
            Method::POST,
            "/api/auth/login/",
            &As::Anonymous,
            Some(body.clone()),
            &headers,
            Some(proxy),
        )
        .await;
    assert!(
        session_cookie(&via_proxy).contains("; Secure"),
        "{}",
        session_cookie(&via_proxy)
    );
    let stranger: std::net::SocketAddr = "203.0.113.9:5555".parse().unwrap();
    let spoofed = app
        .call_with(
            Method::POST,
            "/api/auth/login/",
            &As::Anonymous,
            Some(body),
            &headers,
            Some(stranger),
        )
        .await;
    assert!(
        !session_cookie(&spoofed).contains("Secure"),
        "{}",
        session_cookie(&spoofed)
    );
}
