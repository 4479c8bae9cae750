//! Profile, positions and education over HTTP; the resume built from them in
//! every format and theme; and the resume kept current: a deleted worklog is
//! cited nowhere once the debounced refresh has run.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{App, As};

async fn patch(app: &App, path: &str, who: &As, body: Value) -> support::Reply {
    app.call(Method::PATCH, path, who, Some(body)).await
}

#[tokio::test]
async fn profile_positions_and_education_are_the_users_own() {
    let app = App::memory();
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let (alice, bob) = (As::Token(alice), As::Token(bob));
    assert_eq!(
        app.get("/api/profile/", &As::Anonymous).await.status,
        StatusCode::UNAUTHORIZED
    );
    let empty = app.get("/api/profile/", &alice).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(
        empty.json["working_days"],
        json!(["mon", "tue", "wed", "thu", "fri"])
    );
    let reply = patch(&app, "/api/profile/", &alice, json!({"name": "Alice Ångström", "label": "Backend Engineer",
        "location": {"city": "Berlin", "countryCode": "DE"},
        "profiles": [{"network": "GitHub", "username": "alice", "url": "https://github.com/alice"}]})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["location"]["countryCode"], "DE");
    // Bad input names the field and changes nothing.
    for (body, field) in [
        (json!({"email": "not-an-address"}), "email"),
        (json!({"nmae": "typo"}), "nmae"),
        (json!({"working_days": []}), "working_days"),
        (
            json!({"location": {"countryCode": "Germany"}}),
            "countryCode",
        ),
    ] {
        let reply = patch(&app, "/api/profile/", &alice, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert!(reply.text.contains(field), "{field}: {}", reply.text);
    }
    assert_eq!(
        app.get("/api/profile/", &alice).await.json["name"],
        "Alice Ångström"
    );
    assert_eq!(
        app.get("/api/profile/", &bob).await.json["name"],
        "",
        "bob's is his own"
    );

    let created = app
        .post("/api/positions/", &alice, json!({"company": "Acme GmbH", "title": "Engineer", "start_date": "2024-01-01", "end_date": "2025-06-30"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    let current = app
        .post(
            "/api/positions/",
            &alice,
            json!({"company": "Globex", "title": "Senior Engineer", "start_date": "2025-07-01"}),
        )
        .await;
    assert_eq!(current.json["end_date"], Value::Null);
    let list = app.get("/api/positions/", &alice).await.json;
    assert_eq!(list[0]["company"], "Globex", "newest first");
    let reply = patch(
        &app,
        &format!("/api/positions/{id}/"),
        &alice,
        json!({"end_date": "2020-01-01"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text.contains("before start_date"), "{}", reply.text);
    let reply = patch(
        &app,
        &format!("/api/positions/{id}/"),
        &alice,
        json!({"title": "Staff Engineer"}),
    )
    .await;
    assert_eq!(reply.json["title"], "Staff Engineer");
    let missing = app
        .post(
            "/api/positions/",
            &alice,
            json!({"company": "NoTitle", "start_date": "2024-01-01"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(missing.text.contains("title"), "{}", missing.text);
    // Another user sees none of it.
    for path in [format!("/api/positions/{id}/")] {
        assert_eq!(app.get(&path, &bob).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            patch(&app, &path, &bob, json!({"title": "x"})).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.call(Method::DELETE, &path, &bob, None).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        app.get(&format!("/api/positions/{id}/"), &alice).await.json["title"],
        "Staff Engineer"
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/positions/{id}/"),
            &alice,
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/positions/{id}/"), &alice)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let school = app
        .post("/api/education/", &alice, json!({"institution": "TU Berlin", "study_type": "BSc", "area": "Computer Science", "end_date": "2021-09-30"}))
        .await;
    assert_eq!(school.status, StatusCode::CREATED, "{}", school.text);
    let sid = school.json["id"].as_i64().unwrap();
    let reply = patch(
        &app,
        &format!("/api/education/{sid}/"),
        &alice,
        json!({"score": "1.3"}),
    )
    .await;
    assert_eq!(reply.json["score"], "1.3");
    assert_eq!(app.get("/api/education/", &bob).await.json, json!([]));
    assert_eq!(
        app.get(&format!("/api/education/{sid}/"), &bob)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_resume_follows_positions_renders_every_format_and_stays_current() {
    let app = App::memory();
    let (_, token) = app.user("dana", false).await;
    let dana = As::Token(token);
    patch(
        &app,
        "/api/profile/",
        &dana,
        json!({"name": "Dana Demo", "label": "Backend Engineer"}),
    )
    .await;
    app.post("/api/positions/", &dana, json!({"company": "Acme GmbH", "title": "Backend Engineer", "location": "Berlin", "start_date": "2026-01-01"})).await;
    let mut ids = Vec::new();
    for (date, tag, content) in [
        (
            "2026-11-23",
            "search",
            "Added Redis caching in front of Elasticsearch; cache hit rate 87%.",
        ),
        (
            "2026-11-24",
            "billing",
            "Moved the billing service from MySQL to PostgreSQL 15; wrote the migration with zero downtime (BILL-101).",
        ),
        (
            "2026-11-25",
            "",
            "Fixed the chain on my bike, the chain has rust on it.",
        ),
    ] {
        let tags: Vec<&str> = if tag.is_empty() { vec![] } else { vec![tag] };
        let reply = app
            .post(
                "/api/worklogs/",
                &dana,
                json!({"content": content, "date": date, "tags": tags}),
            )
            .await;
        ids.push(reply.json["id"].as_i64().unwrap());
        app.post(
            &format!("/api/worklogs/{}/analyze/", ids.last().unwrap()),
            &dana,
            json!({}),
        )
        .await;
    }
    app.post("/api/resume/refresh/", &dana, json!({})).await;
    app.run_jobs().await;
    let doc = app.get("/api/resume/", &dana).await;
    assert_eq!(doc.status, StatusCode::OK, "{}", doc.text);
    assert_eq!(doc.headers["x-resume-stale"], "false");
    assert_eq!(doc.json["meta"]["x-afterresume"]["stale"], false);
    assert_eq!(doc.json["basics"]["label"], "Backend Engineer");
    assert_eq!(doc.json["work"][0]["name"], "Acme GmbH");
    let highlights = doc.json["work"][0]["highlights"].to_string();
    assert!(
        highlights.contains("Added Redis caching in front of Elasticsearch (cache hit rate 87%)."),
        "{highlights}"
    );
    assert!(!doc.text.contains("bike"), "personal notes stay out");
    let md = app.get("/api/resume/?format=markdown", &dana).await.text;
    assert!(
        md.contains("### Backend Engineer, Acme GmbH — Berlin"),
        "{md}"
    );
    let text = app.get("/api/resume/?format=text", &dana).await;
    assert_eq!(text.headers["content-type"], "text/plain; charset=utf-8");
    assert!(
        text.text.starts_with("DANA DEMO\n") && text.text.contains("\nEXPERIENCE\n"),
        "{}",
        text.text
    );
    let modern = app
        .get("/api/resume/?format=html&theme=modern", &dana)
        .await
        .text;
    let classic = app.get("/api/resume/?format=html", &dana).await.text;
    assert!(modern.contains("theme-modern") && classic.contains("theme-classic"));
    let bad = app.get("/api/resume/?format=html&theme=neon", &dana).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("classic, modern"), "{}", bad.text);

    let pdf = app.get("/api/resume/?format=pdf&theme=modern", &dana).await;
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let text = pdf_text(&pdf.bytes);
    for expected in [
        "Dana Demo",
        "Backend Engineer",
        "Acme GmbH",
        "Redis",
        "PostgreSQL",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    first_page_png(&pdf.bytes, "resume-modern");
    let classic = app.get("/api/resume/?format=pdf", &dana).await;
    assert!(pdf_text(&classic.bytes).contains("Acme GmbH"));
    assert_ne!(classic.bytes, pdf.bytes, "the theme changes the page");
    first_page_png(&classic.bytes, "resume-classic");

    // Delete the Redis entry: the resume is stale until the debounced refresh
    // has run, and then cites it nowhere.
    let redis = ids[0];
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/worklogs/{redis}/"),
            &dana,
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let stale = app.get("/api/resume/", &dana).await;
    assert_eq!(stale.headers["x-resume-stale"], "true");
    assert_eq!(stale.json["meta"]["x-afterresume"]["stale"], true);
    // A second change in the same window shares the one refresh.
    patch(
        &app,
        "/api/profile/",
        &dana,
        json!({"phone": "+49 30 1234567"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    app.run_jobs().await;
    let fresh = app.get("/api/resume/", &dana).await;
    assert_eq!(fresh.headers["x-resume-stale"], "false");
    assert_eq!(fresh.json["basics"]["phone"], "+49 30 1234567");
    assert!(!fresh.text.contains("Redis"), "{}", fresh.text);
    let cited: Vec<i64> = fresh.json["work"][0]["x-afterresume"]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["worklog_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_i64().unwrap())
        })
        .collect();
    assert!(!cited.is_empty() && !cited.contains(&redis), "{cited:?}");
    let jobs = app.get("/api/jobs/", &dana).await.json;
    let refreshes = jobs["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["type"] == "resume.refresh")
        .count();
    // The delete and the patch share a window unless a boundary fell between them.
    assert!(
        (2..=3).contains(&refreshes),
        "one explicit refresh and one per debounce window: {jobs}"
    );
}

/// The text of a PDF, by poppler's pdftotext (scripts/tools.sh installs it).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resume.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed: run scripts/tools.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Renders the first page to target/pdf-pages/NAME.png, for a person to look at.
fn first_page_png(pdf: &[u8], name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pdf-pages");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.join(name))
        .status()
        .expect("pdftoppm (poppler-utils) is installed: run scripts/tools.sh");
    assert!(status.success());
    let png = dir.join(format!("{name}.png"));
    assert!(std::fs::metadata(&png).unwrap().len() > 1_000);
    png
}

#[tokio::test]
async fn curation_pins_hides_orders_and_rewords_and_survives_refreshes() {
    let app = App::memory();
    let (_, token) = app.user("erin", false).await;
    let (_, other) = app.user("mallory", false).await;
    let (erin, mallory) = (As::Token(token), As::Token(other));
    let mut ids = Vec::new();
    for (date, content) in [
        (
            "2026-11-23",
            "Moved the billing service from MySQL to PostgreSQL 15.",
        ),
        (
            "2026-11-24",
            "Added Redis caching in front of Elasticsearch; cache hit rate 87%.",
        ),
        ("2026-11-25", "Wrote Terraform for the VPC peering."),
    ] {
        let reply = app
            .post(
                "/api/worklogs/",
                &erin,
                json!({"content": content, "date": date, "tags": ["platform"]}),
            )
            .await;
        ids.push(reply.json["id"].as_i64().unwrap());
        app.post(
            &format!("/api/worklogs/{}/analyze/", ids.last().unwrap()),
            &erin,
            json!({}),
        )
        .await;
    }
    app.post("/api/resume/refresh/", &erin, json!({})).await;
    app.run_jobs().await;
    let doc = app.get("/api/resume/", &erin).await.json;
    let evidence = doc["projects"][0]["x-afterresume"]["evidence"]
        .as_array()
        .unwrap()
        .clone();
    let terraform = evidence
        .iter()
        .find(|e| e["worklog_ids"][0] == ids[2])
        .expect("the Terraform bullet")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let skills = app.get("/api/skills/", &erin).await.json;
    let skill_id = |name: &str| {
        skills["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {skills}"))["id"]
            .as_i64()
            .unwrap()
    };
    let (mysql, terraform_skill) = (skill_id("MySQL"), skill_id("Terraform"));

    // Reword and pin the weakest bullet; hide a skill; pin another.
    let reworded = "Peered the VPCs with Terraform, so billing reaches the cluster privately.";
    let reply = patch(
        &app,
        &format!("/api/resume/highlights/{terraform}/"),
        &erin,
        json!({"text": reworded, "pinned": true}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["id"], terraform);
    let reply = patch(
        &app,
        &format!("/api/resume/skills/{mysql}/"),
        &erin,
        json!({"hidden": true}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    patch(
        &app,
        &format!("/api/resume/skills/{terraform_skill}/"),
        &erin,
        json!({"pinned": true}),
    )
    .await;
    // Bad input, and another user's items, change nothing.
    for (path, body, status) in [
        (
            format!("/api/resume/skills/{mysql}/"),
            json!({"text": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/resume/skills/{mysql}/"),
            json!({"pinned": true}),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/resume/highlights/{terraform}/"),
            json!({"text": " "}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/resume/highlights/nope/".to_owned(),
            json!({"pinned": true}),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/resume/skills/{}/", 999_999),
            json!({"pinned": true}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = patch(&app, &path, &erin, body).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text);
    }
    assert_eq!(
        patch(
            &app,
            &format!("/api/resume/highlights/{terraform}/"),
            &mallory,
            json!({"hidden": true})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        patch(
            &app,
            &format!("/api/resume/skills/{mysql}/"),
            &mallory,
            json!({"hidden": false})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let curation = app.get("/api/resume/curation/", &erin).await.json;
    assert_eq!(curation["highlights"][&terraform]["text"], reworded);
    assert_eq!(curation["skills"][mysql.to_string()]["hidden"], true);

    // The refresh the changes enqueued applies them; an explicit one keeps them.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    app.run_jobs().await;
    for _ in 0..2 {
        let doc = app.get("/api/resume/", &erin).await.json;
        let project = &doc["projects"][0];
        assert_eq!(
            project["highlights"][0], reworded,
            "pinned first, in the person's words"
        );
        assert_eq!(
            project["x-afterresume"]["evidence"][0]["worklog_ids"],
            json!([ids[2]]),
            "keeps its evidence"
        );
        let keywords: Vec<String> = doc["skills"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| {
                g["keywords"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap().to_owned())
            })
            .collect();
        assert!(!keywords.contains(&"MySQL".to_owned()), "{keywords:?}");
        assert!(
            doc["basics"]["summary"]
                .as_str()
                .unwrap()
                .starts_with("Most evidenced skills: Terraform"),
            "{}",
            doc["basics"]
        );
        app.post("/api/resume/refresh/", &erin, json!({})).await;
        app.run_jobs().await;
    }
    let pdf = app.get("/api/resume/?format=pdf", &erin).await;
    let text = pdf_text(&pdf.bytes);
    let databases = text.lines().find(|l| l.starts_with("Databases:")).unwrap();
    assert!(!databases.contains("MySQL"), "hidden: {databases}");
    assert!(text.contains("Tools: Terraform"), "pinned: {text}");
}

#[tokio::test]
async fn tailoring_orders_by_the_job_description_and_adds_nothing_unevidenced() {
    let app = App::memory();
    let (_, token) = app.user("fay", false).await;
    let fay = As::Token(token);
    for (date, content) in [
        (
            "2026-11-23",
            "Added Redis caching in front of Elasticsearch; cache hit rate 87%.",
        ),
        (
            "2026-11-24",
            "Moved the billing service from MySQL to PostgreSQL 15.",
        ),
        ("2026-11-25", "Wrote Terraform for the VPC peering."),
    ] {
        let id = app
            .post(
                "/api/worklogs/",
                &fay,
                json!({"content": content, "date": date, "tags": ["platform"]}),
            )
            .await
            .json["id"]
            .as_i64()
            .unwrap();
        app.post(&format!("/api/worklogs/{id}/analyze/"), &fay, json!({}))
            .await;
    }
    app.post("/api/resume/refresh/", &fay, json!({})).await;
    app.run_jobs().await;
    let plain = app.get("/api/resume/", &fay).await.json;
    let jd = "Senior platform engineer: Terraform on AWS, Kotlin services, PostgreSQL. \
              A degree in computer science and experience in financial services.";
    let reply = app
        .post("/api/resume/tailor/", &fay, json!({"job_description": jd}))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    app.run_jobs().await;
    let job = app
        .get(
            &format!("/api/jobs/{}/", reply.json["job_id"].as_str().unwrap()),
            &fay,
        )
        .await
        .json;
    assert_eq!(job["status"], "success", "{job}");
    let result = &job["result"];
    let matched: Vec<&str> = result["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["skill"].as_str().unwrap())
        .collect();
    assert_eq!(matched, ["Terraform", "PostgreSQL"], "{result}");
    assert!(result["matched"][0]["evidence_count"].as_u64().unwrap() >= 1);
    assert!(
        !result["matched"][0]["worklog_ids"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let missing: Vec<&str> = result["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(missing.contains(&"Kotlin"), "{missing:?}");
    let also_asked = result["also_asked"].as_array().unwrap();
    assert!(
        also_asked.contains(&json!("financial services")),
        "{also_asked:?}"
    );
    assert!(!also_asked.contains(&json!("Kotlin")), "{also_asked:?}");
    let version = result["version"].as_u64().unwrap();
    let variant = app
        .get(&format!("/api/resume/?version={version}"), &fay)
        .await
        .json;
    assert_eq!(
        variant["meta"]["x-afterresume"]["tailored_for"]["missing"],
        result["missing"]
    );
    assert_eq!(
        variant["meta"]["x-afterresume"]["tailored_for"]["also_asked"],
        result["also_asked"]
    );
    assert!(
        variant["basics"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("Most evidenced skills: Terraform, PostgreSQL"),
        "{}",
        variant["basics"]
    );
    assert!(
        variant["projects"][0]["highlights"][0]
            .as_str()
            .unwrap()
            .contains("Terraform"),
        "{}",
        variant["projects"]
    );
    let keywords = |doc: &Value| -> Vec<String> {
        let mut all: Vec<String> = doc["skills"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| {
                g["keywords"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap().to_owned())
            })
            .collect();
        all.sort();
        all
    };
    assert_eq!(
        keywords(&variant),
        keywords(&plain),
        "no skill added or dropped"
    );
    for section in ["basics", "projects", "skills"] {
        assert!(
            !variant[section].to_string().contains("Kotlin"),
            "nothing unevidenced is claimed in {section}"
        );
    }
    // The default view stays the untailored resume.
    let latest = app.get("/api/resume/", &fay).await.json;
    assert!(
        latest["meta"]["x-afterresume"]
            .get("tailored_for")
            .is_none()
    );
    let blank = app
        .post(
            "/api/resume/tailor/",
            &fay,
            json!({"job_description": "  "}),
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reports_render_as_markdown_html_and_pdf() {
    let app = App::memory();
    let (_, token) = app.user("gus", false).await;
    let gus = As::Token(token);
    for (date, content) in [
        (
            "2026-12-01",
            "Shipped the CSV exporter <script>alert(1)</script>; export time down 40%.",
        ),
        (
            "2026-12-02",
            "Fixed the flaky login test. Blocked on security review; waiting for DBA access.",
        ),
        ("2026-12-03", "Reviewed three PRs on the importer."),
    ] {
        app.post(
            "/api/worklogs/",
            &gus,
            json!({"content": content, "date": date, "tags": ["billing"]}),
        )
        .await;
    }
    let reply = app
        .post(
            "/api/reports/generate/",
            &gus,
            json!({"kind": "status", "start": "2026-11-30", "end": "2026-12-06"}),
        )
        .await;
    app.run_jobs().await;
    let job = app
        .get(
            &format!("/api/jobs/{}/", reply.json["job_id"].as_str().unwrap()),
            &gus,
        )
        .await
        .json;
    let id = job["result"]["report_id"].as_i64().unwrap();
    let md = app
        .get(&format!("/api/reports/{id}/?format=markdown"), &gus)
        .await;
    assert_eq!(md.headers["content-type"], "text/markdown; charset=utf-8");
    assert!(
        md.text.contains(
            "## Risks and blockers\n\n- Blocked on security review; waiting for DBA access."
        ),
        "{}",
        md.text
    );
    let html = app
        .get(&format!("/api/reports/{id}/?format=html"), &gus)
        .await;
    assert_eq!(html.headers["content-type"], "text/html; charset=utf-8");
    assert!(
        html.text.contains("&lt;script&gt;") && !html.text.contains("<script>"),
        "escaped"
    );
    assert!(
        html.text.contains("<h2>Risks and blockers</h2>"),
        "{}",
        html.text
    );
    let pdf = app
        .get(&format!("/api/reports/{id}/?format=pdf"), &gus)
        .await;
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let text = pdf_text(&pdf.bytes);
    for expected in [
        "Status report",
        "Reviewed three PRs on the importer.",
        "Risks and blockers",
        "worklogs: #",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
    first_page_png(&pdf.bytes, "report-status");
    let bad = app
        .get(&format!("/api/reports/{id}/?format=docx"), &gus)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let (_, other) = app.user("hal", false).await;
    assert_eq!(
        app.get(&format!("/api/reports/{id}/?format=pdf"), &As::Token(other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
