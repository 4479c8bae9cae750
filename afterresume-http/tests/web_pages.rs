//! The pages for people over plain HTTP, as a browser without JavaScript uses
//! them: log in with a form, write an entry, read and filter the journal,
//! delete, log out; CSRF on every form; redirects to `/login`; cookies a
//! browser keeps at `http://127.0.0.1:8000`; the security headers of a page.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use support::{App, Reply};

/// A browser: the cookies it was given, sent back on every request.
struct Browser<'a> {
    app: &'a App,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a App) -> Self {
        Browser {
            app,
            cookies: Vec::new(),
        }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost");
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", jar.join("; "));
        }
        let body = match form {
            Some(fields) => {
                request = request.header("content-type", "application/x-www-form-urlencoded");
                Body::from(
                    fields
                        .iter()
                        .map(|(k, v)| format!("{k}={}", encode(v)))
                        .collect::<Vec<_>>()
                        .join("&"),
                )
            }
            None => Body::empty(),
        };
        let reply = self.app.send(request.body(body).unwrap()).await;
        for set in reply.headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !set.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        reply
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(Method::POST, path, Some(form)).await
    }

    async fn log_in(&mut self, username: &str, password: &str) -> Reply {
        let form = self.get("/login").await;
        let token = hidden(&form.text, "login_csrf");
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("login_csrf", &token),
                ("next", "/"),
            ],
        )
        .await
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of a hidden form field.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

fn location(reply: &Reply) -> &str {
    reply.headers["location"].to_str().unwrap()
}

#[tokio::test]
async fn a_person_logs_in_writes_reads_deletes_and_logs_out() {
    let app = App::memory();
    app.user("alice", false).await;
    let mut browser = Browser::new(&app);

    let anonymous = browser.get("/journal?tag=billing").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/login?next=/journal%3Ftag%3Dbilling");

    let form = browser.get("/login").await;
    assert_eq!(form.status, StatusCode::OK);
    for needle in [
        "name=\"username\"",
        "name=\"password\"",
        "<label for=\"username\">",
    ] {
        assert!(form.text.contains(needle), "{needle}");
    }
    let csp = form.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(form.headers["referrer-policy"], "no-referrer");

    let wrong = browser
        .post(
            "/login",
            &[
                ("username", "alice"),
                ("password", "nope-nope"),
                ("login_csrf", &hidden(&form.text, "login_csrf")),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.text.contains("Wrong username or password."),
        "{}",
        wrong.text
    );
    let forged = browser
        .post(
            "/login",
            &[
                ("username", "alice"),
                ("password", "alice-password"),
                ("login_csrf", "forged"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "a login form from elsewhere is refused"
    );

    let login = browser.log_in("alice", "alice-password").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text);
    assert_eq!(location(&login), "/");
    let session = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("afterresume_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain HTTP on loopback keeps the session: {session}"
    );

    let today = browser.get("/").await;
    assert_eq!(today.status, StatusCode::OK, "{}", today.text);
    assert!(today.text.contains("What did you work on?"));
    let csrf = hidden(&today.text, "csrf");
    let refused = browser
        .post("/", &[("content", "Shipped it."), ("csrf", "forged")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let blank = browser
        .post(
            "/",
            &[("content", "   "), ("tags", "billing"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(
        blank.text.contains("content: must not be empty"),
        "{}",
        blank.text
    );
    assert!(
        blank.text.contains("value=\"billing\""),
        "the draft stays in the form"
    );

    let saved = browser
        .post(
            "/",
            &[
                (
                    "content",
                    "Fixed the <script>alert(1)</script> export in Rust.",
                ),
                ("tags", "billing, search"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(location(&saved), "/?saved=1");
    let today = browser.get("/?saved=1").await;
    assert!(today.text.contains("Saved."));
    assert!(today.text.contains("&lt;script&gt;alert(1)"), "escaped");
    assert!(
        !today.text.contains("<script>"),
        "no script reaches the page"
    );
    let old = browser
        .post(
            "/",
            &[
                ("content", "Planned the quarter."),
                ("date", "2026-01-05"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);

    let journal = browser.get("/journal").await;
    assert!(
        journal.text.contains("Planned the quarter.") && journal.text.contains("export in Rust")
    );
    let filtered = browser.get("/journal?tag=search").await;
    assert!(
        filtered.text.contains("export in Rust") && !filtered.text.contains("Planned the quarter.")
    );
    let ranged = browser.get("/journal?from=2026-01-01&to=2026-01-31").await;
    assert!(
        ranged.text.contains("Planned the quarter.") && !ranged.text.contains("export in Rust")
    );
    let bad = browser.get("/journal?from=2026-02-30").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text.contains("from: &#x27;2026-02-30&#x27;")
            || bad.text.contains("from: '2026-02-30'"),
        "{}",
        bad.text
    );

    let id = {
        let at = journal.text.find("action=\"/journal/").unwrap() + "action=\"/journal/".len();
        journal.text[at..].split('/').next().unwrap().to_owned()
    };
    let deleted = browser
        .post(&format!("/journal/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let journal = browser.get("/journal").await;
    assert_eq!(journal.text.matches("action=\"/journal/").count(), 1);

    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(
        (out.status, location(&out)),
        (StatusCode::SEE_OTHER, "/login")
    );
    assert_eq!(
        browser.get("/").await.status,
        StatusCode::SEE_OTHER,
        "logged out"
    );
}

#[tokio::test]
async fn another_persons_entry_cannot_be_deleted_and_cookies_follow_https() {
    let app = App::memory();
    let (alice_id, alice_token) = app.user("alice", false).await;
    app.user("bob", false).await;
    let entry = app
        .post(
            "/api/worklogs/",
            &support::As::Token(alice_token),
            serde_json::json!({"content": "Alice's entry."}),
        )
        .await;
    assert_eq!(entry.status, StatusCode::CREATED);
    let mut bob = Browser::new(&app);
    bob.log_in("bob", "bob-password").await;
    let csrf = hidden(&bob.get("/").await.text, "csrf");
    let id = entry.json["id"].as_i64().unwrap();
    let refused = bob
        .post(&format!("/journal/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
    assert!(alice_id > 0);

    let forced = App::memory_with({
        let mut settings = afterresume_http::HostSettings::with_secret_key(support::SECRET_KEY);
        settings.secure_cookies = Some(true);
        settings
    });
    forced.user("carol", false).await;
    let login = Browser::new(&forced)
        .log_in("carol", "carol-password")
        .await;
    let session = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("afterresume_session="))
        .unwrap();
    assert!(
        session.contains("Secure"),
        "AFTERRESUME_SECURE_COOKIES=true: {session}"
    );
}

#[tokio::test]
async fn skills_show_their_evidence_and_the_resume_previews_and_downloads() {
    let app = App::memory();
    app.user("alice", false).await;
    let mut browser = Browser::new(&app);
    browser.log_in("alice", "alice-password").await;
    let today = browser.get("/").await;
    for link in ["href=\"/skills\"", "href=\"/resume\"", "href=\"/journal\""] {
        assert!(today.text.contains(link), "{link}");
    }
    let csrf = hidden(&today.text, "csrf");
    let saved = browser
        .post(
            "/",
            &[
                ("content", "Moved billing to PostgreSQL on Kubernetes."),
                ("tags", "billing"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    app.run_jobs().await;

    let skills = browser.get("/skills").await;
    assert_eq!(skills.status, StatusCode::OK, "{}", skills.text);
    assert!(
        skills.text.contains("<h2>Databases</h2>"),
        "{}",
        skills.text
    );
    assert!(
        skills
            .text
            .contains("Moved billing to <mark>PostgreSQL</mark> on Kubernetes."),
        "{}",
        skills.text
    );
    assert!(
        skills.text.contains("1 entry · first seen"),
        "{}",
        skills.text
    );

    let empty = browser.get("/resume").await;
    assert!(empty.text.contains("No resume yet."), "{}", empty.text);
    let built = browser.post("/resume/refresh", &[("csrf", &csrf)]).await;
    assert_eq!(
        (built.status, location(&built)),
        (StatusCode::SEE_OTHER, "/resume")
    );
    app.run_jobs().await;
    let resume = browser.get("/resume?theme=modern").await;
    assert!(
        resume.text.contains("src=\"/resume/preview?theme=modern\""),
        "{}",
        resume.text
    );
    assert!(
        resume.text.contains("<option value=\"modern\" selected>"),
        "{}",
        resume.text
    );
    let preview = browser.get("/resume/preview?theme=modern").await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.text.contains("PostgreSQL"));
    let csp = preview.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let pdf = browser
        .get("/resume/download?format=pdf&theme=classic")
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert_eq!(
        pdf.headers["content-disposition"],
        "attachment; filename=\"resume.pdf\""
    );
    let markdown = browser.get("/resume/download?format=markdown").await;
    assert!(markdown.text.contains("PostgreSQL"), "{}", markdown.text);
    let bad = browser.get("/resume/download?format=docx").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let anonymous = Browser::new(&app).get("/resume/download?format=pdf").await;
    assert_eq!(
        anonymous.status,
        StatusCode::SEE_OTHER,
        "no resume without a login"
    );
}

/// The id in a `Location` like `/reports/12` or `/reports?waiting=ID`.
fn last_segment(location: &str) -> String {
    location
        .rsplit(['/', '='])
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn entries_are_edited_and_found_by_text_on_the_journal() {
    let app = App::memory();
    app.user("alice", false).await;
    app.user("bob", false).await;
    let mut alice = Browser::new(&app);
    alice.log_in("alice", "alice-password").await;
    let csrf = hidden(&alice.get("/").await.text, "csrf");
    for content in ["Tuned the Redis cache.", "Wrote the onboarding guide."] {
        let saved = alice
            .post(
                "/",
                &[
                    ("content", content),
                    ("date", "2026-11-02"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
    }
    let found = alice.get("/journal?q=REDIS").await;
    assert!(found.text.contains("Tuned the Redis cache."));
    assert!(!found.text.contains("onboarding guide"), "{}", found.text);
    let id = {
        let at = found.text.find("href=\"/journal/").unwrap() + "href=\"/journal/".len();
        found.text[at..].split('/').next().unwrap().to_owned()
    };
    let form = alice.get(&format!("/journal/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(">Tuned the Redis cache.</textarea>"));
    let bad = alice
        .post(
            &format!("/journal/{id}"),
            &[
                ("content", "Tuned the Redis cache and its eviction."),
                ("date", "2026-13-01"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("its eviction."), "the draft stays");
    let forged = alice
        .post(
            &format!("/journal/{id}"),
            &[("content", "x"), ("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let saved = alice
        .post(
            &format!("/journal/{id}"),
            &[
                ("content", "Tuned the Redis cache and its eviction."),
                ("tags", "cache"),
                ("date", "2026-11-03"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        (saved.status, location(&saved)),
        (StatusCode::SEE_OTHER, "/journal")
    );
    let tagged = alice.get("/journal?tag=cache").await;
    assert!(tagged.text.contains("its eviction.") && tagged.text.contains("2026-11-03"));

    let mut bob = Browser::new(&app);
    bob.log_in("bob", "bob-password").await;
    let bob_csrf = hidden(&bob.get("/").await.text, "csrf");
    assert_eq!(
        bob.get(&format!("/journal/{id}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    let stolen = bob
        .post(
            &format!("/journal/{id}"),
            &[("content", "Bob was here."), ("csrf", &bob_csrf)],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    assert!(alice.get("/journal").await.text.contains("its eviction."));
}

#[tokio::test]
async fn reports_are_generated_waited_for_read_and_downloaded() {
    let app = App::memory();
    app.user("alice", false).await;
    app.user("bob", false).await;
    let mut alice = Browser::new(&app);
    alice.log_in("alice", "alice-password").await;
    let csrf = hidden(&alice.get("/").await.text, "csrf");
    alice
        .post(
            "/",
            &[
                ("content", "Moved billing to PostgreSQL 15."),
                ("csrf", &csrf),
            ],
        )
        .await;

    let forged = alice
        .post("/reports", &[("kind", "standup"), ("csrf", "forged")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let bad = alice
        .post("/reports", &[("kind", "weekly"), ("csrf", &csrf)])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("kind"), "{}", bad.text);
    let backwards = alice
        .post(
            "/reports",
            &[
                ("kind", "summary"),
                ("start", "2026-11-20"),
                ("end", "2026-11-01"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert!(
        backwards.text.contains("value=\"2026-11-20\""),
        "the draft stays"
    );

    let started = alice
        .post("/reports", &[("kind", "standup"), ("csrf", &csrf)])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
    let waiting = location(&started).to_owned();
    assert!(waiting.starts_with("/reports?waiting="), "{waiting}");
    let pending = alice.get(&waiting).await;
    assert!(pending.text.contains("http-equiv=\"refresh\""));
    app.run_jobs().await;
    let done = alice.get(&waiting).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let report = location(&done).to_owned();
    let page = alice.get(&report).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Moved billing to PostgreSQL 15"));
    assert!(page.text.contains("data-copy-from=\"markdown\""));
    let markdown = alice
        .get(&format!("{report}/download?format=markdown"))
        .await;
    assert_eq!(markdown.status, StatusCode::OK);
    assert!(
        markdown.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"report-")
    );
    assert!(markdown.text.starts_with("# Standup"), "{}", markdown.text);
    let preview = alice.get(&format!("{report}/preview")).await;
    assert!(
        preview.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'self'")
    );
    assert_eq!(preview.headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(
        alice
            .get(&format!("{report}/download?format=docx"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert!(alice.get("/reports").await.text.contains(&report));

    let mut bob = Browser::new(&app);
    bob.log_in("bob", "bob-password").await;
    assert_eq!(bob.get(&report).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.get(&waiting).await.status, StatusCode::NOT_FOUND);
    let job = last_segment(&waiting);
    assert_eq!(
        bob.get(&format!("/jobs/{job}")).await.status,
        StatusCode::NOT_FOUND
    );
    let timeline = alice.get(&format!("/jobs/{job}")).await;
    assert!(timeline.text.contains("report.generate") && timeline.text.contains("Open the report"));
    assert!(alice.get("/jobs").await.text.contains(&format!("/{job}\"")));
    assert!(!bob.get("/jobs").await.text.contains(&job));
}

#[tokio::test]
async fn staff_pages_are_for_staff_and_retry_runs_a_job_again() {
    let app = App::memory();
    app.user("alice", false).await;
    let (_, root_token) = app.user("root", true).await;
    let anonymous = Browser::new(&app).get("/ops/").await;
    assert_eq!(
        (anonymous.status, location(&anonymous)),
        (StatusCode::SEE_OTHER, "/login?next=/ops/")
    );
    let mut alice = Browser::new(&app);
    alice.log_in("alice", "alice-password").await;
    let csrf = hidden(&alice.get("/").await.text, "csrf");
    for path in [
        "/ops/",
        "/ops/jobs",
        "/ops/failed",
        "/ops/schedules",
        "/ops/users",
    ] {
        let refused = alice.get(path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(refused.text.contains("Staff only"));
    }
    assert!(!alice.get("/").await.text.contains("href=\"/ops/\""));
    // A job of alice's, cancelled while queued.
    let started = alice
        .post("/reports", &[("kind", "summary"), ("csrf", &csrf)])
        .await;
    let job = last_segment(location(&started));
    let cancelled = alice
        .post(&format!("/jobs/{job}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert!(
        alice
            .get(&format!("/jobs/{job}"))
            .await
            .text
            .contains("cancelled")
    );
    let refused = alice
        .post(&format!("/ops/jobs/{job}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let mut root = Browser::new(&app);
    root.log_in("root", "root-password").await;
    let root_csrf = hidden(&root.get("/").await.text, "csrf");
    let dashboard = root.get("/ops/").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.text.contains("<svg class=\"chart\""));
    assert!(dashboard.text.contains("report.generate"));
    let listed = root.get("/ops/jobs?status=cancelled").await;
    assert!(listed.text.contains(&job), "{}", listed.text);
    let bad = root.get("/ops/jobs?status=lost").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(root.get("/ops/users").await.text.contains("alice"));
    let retried = root
        .post(&format!("/ops/jobs/{job}/retry"), &[("csrf", &root_csrf)])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.text);
    assert_eq!(
        last_segment(location(&retried)),
        job,
        "a retry runs the same job again"
    );
    app.run_jobs().await;
    let detail = root.get(&format!("/ops/jobs/{job}")).await;
    assert!(
        detail.text.contains("success") && detail.text.contains("job retried by an operator"),
        "{}",
        detail.text
    );
    let twice = root
        .post(&format!("/ops/jobs/{job}/retry"), &[("csrf", &root_csrf)])
        .await;
    assert_eq!(
        twice.status,
        StatusCode::CONFLICT,
        "a success is not retried"
    );
    assert!(
        alice
            .get(&format!("/jobs/{job}"))
            .await
            .text
            .contains("success"),
        "still alice's job"
    );
    let chart = root.get("/ops/").await;
    assert!(
        chart.text.contains("1 succeeded, 0 failed"),
        "{}",
        chart.text
    );

    // Schedules: paused and deleted from the page.
    let created = app
        .post(
            "/system/schedules/",
            &support::As::Token(root_token),
            serde_json::json!({"name": "nightly", "cron": "@daily", "type": "skills.extract"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert!(
        root.get("/ops/schedules")
            .await
            .text
            .contains(">Pause</button>")
    );
    let forged = root
        .post(
            "/ops/schedules/nightly",
            &[("action", "pause"), ("csrf", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let paused = root
        .post(
            "/ops/schedules/nightly",
            &[("action", "pause"), ("csrf", &root_csrf)],
        )
        .await;
    assert_eq!(paused.status, StatusCode::SEE_OTHER);
    let page = root.get("/ops/schedules").await;
    assert!(page.text.contains(">Resume</button>") && page.text.contains("paused"));
    let by_alice = alice
        .post(
            "/ops/schedules/nightly",
            &[("action", "delete"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(by_alice.status, StatusCode::FORBIDDEN);
    root.post(
        "/ops/schedules/nightly",
        &[("action", "delete"), ("csrf", &root_csrf)],
    )
    .await;
    assert!(
        root.get("/ops/schedules")
            .await
            .text
            .contains("No schedules.")
    );

    // Dead letters: listed apart and purged from the page.
    let dead = app
        .state
        .app
        .engine()
        .enqueue(
            "worklog.analyze",
            serde_json::json!({"worklog_id": 424242}),
            afterresume_core::EnqueueOptions::default(),
        )
        .await
        .unwrap();
    app.run_jobs().await;
    let failed = root.get("/ops/failed").await;
    assert!(
        failed.text.contains(&dead.id.to_string()) && failed.text.contains("Purge all failed jobs")
    );
    let purged = root
        .post("/ops/failed/purge", &[("csrf", &root_csrf)])
        .await;
    assert_eq!(
        (purged.status, location(&purged)),
        (StatusCode::SEE_OTHER, "/ops/failed?purged=1")
    );
    let after = root.get("/ops/failed?purged=1").await;
    assert!(
        after
            .text
            .contains("Deleted 1 failed job and their events."),
        "{}",
        after.text
    );
    assert!(!after.text.contains(&dead.id.to_string()));
}

#[tokio::test]
async fn staff_pause_and_resume_queues_and_job_types_on_the_queues_page() {
    let app = App::memory();
    let (alice_id, _) = app.user("alice", false).await;
    app.user("root", true).await;
    let engine = app.state.app.engine();
    engine
        .enqueue(
            "skills.extract",
            serde_json::json!({"user_id": alice_id}),
            afterresume_core::EnqueueOptions::default()
                .with_user(alice_id)
                .with_queue("bulk"),
        )
        .await
        .unwrap();
    let mut alice = Browser::new(&app);
    alice.log_in("alice", "alice-password").await;
    let alice_csrf = hidden(&alice.get("/").await.text, "csrf");
    assert_eq!(alice.get("/ops/queues").await.status, StatusCode::FORBIDDEN);
    let by_alice = alice
        .post(
            "/ops/queues/bulk",
            &[("action", "pause"), ("csrf", &alice_csrf)],
        )
        .await;
    assert_eq!(by_alice.status, StatusCode::FORBIDDEN);

    let mut root = Browser::new(&app);
    root.log_in("root", "root-password").await;
    let csrf = hidden(&root.get("/").await.text, "csrf");
    let page = root.get("/ops/queues").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("href=\"/ops/jobs?queue=bulk\"")
            && page.text.contains(">Pause</button>"),
        "{}",
        page.text
    );
    let forged = root
        .post("/ops/queues/bulk", &[("action", "pause"), ("csrf", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        engine.pauses().await.unwrap().is_empty(),
        "a forged form paused"
    );
    let paused = root
        .post("/ops/queues/bulk", &[("action", "pause"), ("csrf", &csrf)])
        .await;
    assert_eq!(
        (paused.status, location(&paused)),
        (StatusCode::SEE_OTHER, "/ops/queues")
    );
    let page = root.get("/ops/queues").await;
    assert!(page.text.contains("paused since") && page.text.contains(">Resume</button>"));
    app.run_jobs().await;
    let listed = root.get("/ops/jobs?queue=bulk&status=queued").await;
    assert!(listed.text.contains("skills.extract"), "{}", listed.text);

    let typed = root
        .post(
            "/ops/job-types",
            &[
                ("action", "pause"),
                ("job_type", "report.generate"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(typed.status, StatusCode::SEE_OTHER);
    assert!(
        root.get("/ops/queues")
            .await
            .text
            .contains("<code>report.generate</code>")
    );
    let bad = root
        .post(
            "/ops/job-types",
            &[
                ("action", "pause"),
                ("job_type", "Not A Type"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = root
        .post("/ops/queues/bulk", &[("action", "drop"), ("csrf", &csrf)])
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    root.post(
        "/ops/job-types/report.generate",
        &[("action", "resume"), ("csrf", &csrf)],
    )
    .await;
    root.post("/ops/queues/bulk", &[("action", "resume"), ("csrf", &csrf)])
        .await;
    assert!(engine.pauses().await.unwrap().is_empty());
    app.run_jobs().await;
    let page = root.get("/ops/queues").await;
    assert!(
        page.text.contains("No job is waiting or running"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn resume_choices_and_a_tailored_variant() {
    let app = App::memory();
    app.user("alice", false).await;
    let mut alice = Browser::new(&app);
    alice.log_in("alice", "alice-password").await;
    let csrf = hidden(&alice.get("/").await.text, "csrf");
    alice
        .post(
            "/",
            &[
                ("content", "Moved billing to PostgreSQL 15 on Kubernetes."),
                ("tags", "billing"),
                ("csrf", &csrf),
            ],
        )
        .await;
    app.run_jobs().await;
    alice.post("/resume/refresh", &[("csrf", &csrf)]).await;
    app.run_jobs().await;
    let page = alice.get("/resume").await;
    assert!(page.text.contains("Tailor to a job"), "{}", page.text);
    let skill = {
        let marker = "action=\"/resume/skills/";
        let at = page.text.find(marker).unwrap() + marker.len();
        page.text[at..].split('"').next().unwrap().to_owned()
    };
    let pinned = alice
        .post(
            &format!("/resume/skills/{skill}"),
            &[("action", "pin"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        (pinned.status, location(&pinned)),
        (StatusCode::SEE_OTHER, "/resume?saved=1")
    );
    let bad = alice
        .post(
            &format!("/resume/skills/{skill}"),
            &[("action", "star"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bullet = {
        let marker = "action=\"/resume/bullets/";
        let at = page.text.find(marker).unwrap() + marker.len();
        page.text[at..].split('"').next().unwrap().to_owned()
    };
    let hidden_bullet = alice
        .post(
            &format!("/resume/bullets/{bullet}"),
            &[("action", "hide"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(hidden_bullet.status, StatusCode::SEE_OTHER);
    let page = alice.get("/resume?saved=1").await;
    assert!(page.text.contains("Unpin") && page.text.contains("Hidden bullets"));

    let empty = alice
        .post(
            "/resume/tailor",
            &[("job_description", " "), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let tailoring = alice
        .post(
            "/resume/tailor",
            &[
                (
                    "job_description",
                    "Backend engineer: PostgreSQL and Elixir.",
                ),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(tailoring.status, StatusCode::SEE_OTHER);
    let waiting = location(&tailoring).to_owned();
    assert!(
        alice
            .get(&waiting)
            .await
            .text
            .contains("http-equiv=\"refresh\"")
    );
    app.run_jobs().await;
    let tailored = alice.get(&waiting).await;
    assert!(
        tailored
            .text
            .contains("Matched:</strong> PostgreSQL <span class=\"meta\">(1 entry)"),
        "{}",
        tailored.text
    );
    assert!(tailored.text.contains("Elixir"));
}

#[tokio::test]
async fn api_docs_and_assets_are_served_from_the_binary() {
    let app = App::memory();
    let mut browser = Browser::new(&app);
    let docs = browser.get("/api/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text.contains("/assets/swagger-ui-bundle.js"));
    let csp = docs.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"));
    let bundle = browser.get("/assets/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert_eq!(
        bundle.headers["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(bundle.text.contains("SwaggerUIBundle"));
    assert_eq!(browser.get("/assets/app.js").await.status, StatusCode::OK);
    assert_eq!(
        browser.get("/assets/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser.get("/assets/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
}
