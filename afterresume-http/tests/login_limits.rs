//! The login limiter under attack: parallel guesses cannot pass the limit, one
//! account's failures lock no other account out, counters survive a restart and
//! are shared by hosts on one store, forwarded addresses count only from trusted
//! proxies, unknown usernames cost a password check, and hashing leaves the async
//! workers free.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use afterresume_http::HostSettings;
use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{App, As, Reply, SECRET_KEY};

async fn login_from(app: &App, client: &str, username: &str, password: &str) -> Reply {
    login_with(app, client, &[], username, password).await
}

async fn login_with(
    app: &App,
    client: &str,
    headers: &[(&str, &str)],
    username: &str,
    password: &str,
) -> Reply {
    let client: SocketAddr = client.parse().unwrap();
    app.call_with(
        Method::POST,
        "/api/auth/token/",
        &As::Anonymous,
        Some(json!({"username": username, "password": password})),
        headers,
        Some(client),
    )
    .await
}

/// Fires `n` wrong logins at once; returns how many were checked (401) and how
/// many refused unchecked (429).
async fn parallel_wrong_logins(app: &App, n: usize) -> (usize, usize) {
    let attempts = (0..n).map(|_| login_from(app, "203.0.113.7:5000", "alice", "wrong-password"));
    let replies = futures::future::join_all(attempts).await;
    let checked = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let limited = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + limited, n, "only 401 and 429 are expected");
    (checked, limited)
}

async fn limits_hold(app: App) {
    app.user("alice", false).await;
    app.user("bob", false).await;
    app.user("carol", false).await;

    // Finding 4: the attempt is reserved before Argon2 runs.
    let (checked, limited) = parallel_wrong_logins(&app, 40).await;
    assert_eq!((checked, limited), (5, 35), "40 parallel guesses");
    let (checked, _) = parallel_wrong_logins(&app, 200).await;
    assert_eq!(checked, 0, "the limit stays full");

    let limited = login_from(&app, "203.0.113.7:5000", "alice", "alice-password").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json["code"], "rate_limited");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 900, "{wait}");

    // Finding 6: another account at the same address still logs in.
    let bob = login_from(&app, "203.0.113.7:5001", "bob", "bob-password").await;
    assert_eq!(bob.status, StatusCode::OK, "{}", bob.text);
    // And alice from her own address.
    let alice = login_from(&app, "198.51.100.2:5000", "alice", "alice-password").await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.text);

    // An address spraying many accounts is stopped at its own limit (50), but
    // an account that logged in there before (bob) is not locked out.
    let spray = "192.0.2.9:4000";
    assert_eq!(
        login_from(&app, spray, "bob", "bob-password").await.status,
        StatusCode::OK
    );
    let mut refused_at = None;
    for n in 0..60 {
        let reply = login_from(&app, spray, &format!("user{n}"), "wrong-password").await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(n);
            break;
        }
    }
    assert_eq!(refused_at, Some(50), "the address limit is 50 failures");
    let carol = login_from(&app, spray, "carol", "carol-password").await;
    assert_eq!(
        carol.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a new account at a spraying address waits"
    );
    let bob = login_from(&app, spray, "bob", "bob-password").await;
    assert_eq!(bob.status, StatusCode::OK, "a known address: {}", bob.text);
}

#[tokio::test]
async fn login_limits_hold_on_memory() {
    limits_hold(App::memory()).await;
}

#[tokio::test]
async fn login_limits_hold_on_sqlite() {
    limits_hold(App::sqlite().await).await;
}

#[tokio::test]
async fn login_limits_hold_on_postgres() {
    limits_hold(App::postgres().await).await;
}

/// Counters live in the store: a restarted host, or a second host on the same
/// database, sees the failures of the first.
async fn counters_are_shared(first: App) {
    first.user("alice", false).await;
    for _ in 0..5 {
        let reply = login_from(&first, "203.0.113.7:5000", "alice", "wrong-password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let second = first
        .reopen(HostSettings::with_secret_key(SECRET_KEY))
        .await;
    let reply = login_from(&second, "203.0.113.7:5000", "alice", "alice-password").await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn login_counters_survive_a_restart_on_sqlite() {
    counters_are_shared(App::sqlite().await).await;
}

#[tokio::test]
async fn login_counters_are_shared_on_postgres() {
    counters_are_shared(App::postgres().await).await;
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let settings = HostSettings {
        trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
        ..HostSettings::with_secret_key(SECRET_KEY)
    };
    let app = App::memory_with(settings);
    app.user("alice", false).await;
    // Behind the proxy, every failure comes from one client: that client waits.
    for _ in 0..5 {
        let reply = login_with(
            &app,
            "10.0.0.1:1000",
            &[("x-forwarded-for", "198.51.100.7")],
            "alice",
            "wrong-password",
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let same = login_with(
        &app,
        "10.0.0.1:1000",
        &[("x-forwarded-for", "198.51.100.7")],
        "alice",
        "alice-password",
    )
    .await;
    assert_eq!(same.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not that client.
    let other = login_with(
        &app,
        "10.0.0.1:1000",
        &[("x-forwarded-for", "198.51.100.8")],
        "alice",
        "alice-password",
    )
    .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    // An untrusted peer cannot pick its address with the header.
    for _ in 0..5 {
        login_with(
            &app,
            "203.0.113.50:1000",
            &[("x-forwarded-for", "198.51.100.9")],
            "alice",
            "wrong-password",
        )
        .await;
    }
    let spoofed = login_with(
        &app,
        "203.0.113.50:1000",
        &[("x-forwarded-for", "198.51.100.10")],
        "alice",
        "alice-password",
    )
    .await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Finding 7: a wrong password for a known user and any password for an unknown
/// one both run Argon2, so they take about as long. Before, the unknown user
/// answered about ten times faster.
#[tokio::test]
async fn unknown_usernames_cost_a_password_check() {
    let app = App::memory();
    app.user("alice", false).await;
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for n in 0..4 {
        // A fresh address per pair keeps the limiter out of the measurement.
        let client = format!("198.51.100.{}:4000", n + 1);
        let started = Instant::now();
        login_from(&app, &client, "alice", "wrong-password").await;
        known.push(started.elapsed());
        let started = Instant::now();
        login_from(&app, &client, "nobody-here", "wrong-password").await;
        unknown.push(started.elapsed());
    }
    let (known, unknown) = (median(known), median(unknown));
    assert!(
        unknown * 5 >= known * 2,
        "unknown user {unknown:?} vs known user {known:?}: the difference tells usernames apart"
    );
}

/// Finding 8: Argon2 runs on the blocking pool, so a burst of logins does not
/// hold the async worker: on a single-threaded runtime a health check sent after
/// eight logins answers before they all finish.
#[tokio::test(flavor = "current_thread")]
async fn logins_leave_the_async_workers_free() {
    let app = App::memory();
    app.user("alice", false).await;
    let order = std::sync::Mutex::new(Vec::new());
    let logins = (0..8).map(|n| {
        let (app, order) = (&app, &order);
        async move {
            let client = format!("198.51.100.{}:4000", n + 1);
            login_from(app, &client, "alice", "alice-password").await;
            order.lock().unwrap().push("login");
        }
    });
    let health = async {
        tokio::task::yield_now().await;
        let reply = app.get("/api/healthz/", &As::Anonymous).await;
        assert_eq!(reply.status, StatusCode::OK);
        order.lock().unwrap().push("health");
    };
    futures::future::join(futures::future::join_all(logins), health).await;
    let order = order.into_inner().unwrap();
    let health_at = order.iter().position(|e| *e == "health").unwrap();
    assert!(
        health_at < 7,
        "the health check waited for the logins: {order:?}"
    );
}

/// Finding 8: tokens are paged and capped; sessions expire on the server.
#[tokio::test]
async fn tokens_are_paged_capped_and_sessions_expire() {
    let app = App::memory();
    let (alice, token) = app.user("alice", false).await;
    let who = As::Token(token);
    for n in 1..50 {
        let reply = login_with(&app, "198.51.100.1:1", &[], "alice", "alice-password").await;
        assert_eq!(reply.status, StatusCode::OK, "token {n}: {}", reply.text);
    }
    let over = login_from(&app, "198.51.100.1:1", "alice", "alice-password").await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.text);
    let first = app.get("/api/auth/tokens/?limit=20", &who).await;
    assert_eq!(first.json["results"].as_array().unwrap().len(), 20);
    let next = first.json["next"].as_str().unwrap();
    let second = app
        .get(&format!("/api/auth/tokens/?limit=200&cursor={next}"), &who)
        .await;
    assert_eq!(second.json["results"].as_array().unwrap().len(), 30);
    assert!(second.json["next"].is_null());

    for _ in 0..25 {
        let reply = app
            .call_with(
                Method::POST,
                "/api/auth/login/",
                &As::Anonymous,
                Some(json!({"username": "alice", "password": "alice-password"})),
                &[],
                Some("198.51.100.1:1".parse().unwrap()),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let live = app
        .state
        .app
        .accounts()
        .list_tokens(alice, None, 0, app.state.app.now())
        .await
        .unwrap();
    let sessions: Vec<_> = live.iter().filter(|t| t.name == "session").collect();
    assert_eq!(sessions.len(), 20, "the oldest sessions ended");
    let lifetime = sessions[0].expires_at.unwrap() - sessions[0].created_at;
    assert_eq!(lifetime.num_days(), 14);
}
