//! The use cases' rules on in-memory backends: who may act for whom, what an
//! import refuses, what only operators may do. (HTTP and Python reach the same
//! rules; `afterresume-py/tests/test_parity.py` compares the two hosts.)
#![cfg(feature = "system")]

use std::time::Duration;

use afterresume_backends::system::System;
use afterresume_core::accounts::NewAccount;
use afterresume_core::domain::{User, WorkLogPatch};
use afterresume_core::service::worklogs::{MAX_IMPORT, WorkLogInput, WorkLogQuery};
use afterresume_core::service::{Actor, App, JobQuery, PageRequest};
use afterresume_core::{EngineConfig, ErrorKind, WorkerOptions};

fn app() -> App {
    let system = System::in_memory();
    let engine = system
        .engine_builder(EngineConfig::default())
        .build()
        .unwrap();
    App::new(engine, std::sync::Arc::clone(&system.domain))
}

async fn user(app: &App, name: &str, staff: bool) -> User {
    let account = NewAccount {
        username: name.into(),
        email: format!("{name}@example.com"),
        full_name: name.into(),
        password: format!("{name}-password"),
        is_staff: staff,
    };
    app.accounts()
        .create_user(account, app.now())
        .await
        .unwrap()
}

#[tokio::test]
async fn people_act_for_themselves_and_staff_and_the_system_for_anyone() {
    let app = app();
    let (alice, bob, admin) = (
        user(&app, "alice", false).await,
        user(&app, "bob", false).await,
        user(&app, "admin", true).await,
    );
    let entry = || WorkLogInput::new("Tuned Postgres indexes.");
    let err = app
        .create_worklog(&Actor::user(&bob), Some(alice.id), entry())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    let by_staff = app
        .create_worklog(&Actor::user(&admin), Some(alice.id), entry())
        .await
        .unwrap();
    assert_eq!(by_staff.user_id, alice.id);
    let err = app
        .create_worklog(&Actor::system(), None, entry())
        .await
        .unwrap_err();
    assert_eq!(err.message(), "user_id: required");
    let err = app
        .create_worklog(&Actor::system(), Some(999), entry())
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::NotFound,
        "no rows for a missing user"
    );
    // Bob cannot see, change or delete Alice's entry, and learns nothing from trying.
    let bob_actor = Actor::user(&bob);
    let hidden = format!("worklog {} not found", by_staff.id);
    let seen = app.worklog(&bob_actor, by_staff.id).await.unwrap_err();
    assert_eq!(seen.message(), hidden);
    let patch = WorkLogPatch {
        title: Some(Some("mine".into())),
        ..Default::default()
    };
    let changed = app.update_worklog(&bob_actor, by_staff.id, patch).await;
    assert_eq!(changed.unwrap_err().message(), hidden);
    let missing = app.worklog(&bob_actor, 424242).await.unwrap_err();
    assert_eq!(missing.message(), "worklog 424242 not found");
    assert_eq!(
        app.worklog(&Actor::user(&alice), by_staff.id)
            .await
            .unwrap()
            .title,
        None
    );
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_names_the_bad_entry() {
    let app = app();
    let alice = Actor::user(&user(&app, "alice", false).await);
    let mut entries = vec![WorkLogInput::new("Wrote the Helm chart."); 3];
    entries[2].tags = vec![String::new()];
    let err = app
        .import_worklogs(&alice, None, entries)
        .await
        .unwrap_err();
    assert!(
        err.message().starts_with("entries[2].tags"),
        "{}",
        err.message()
    );
    let page = app
        .list_worklogs(&alice, WorkLogQuery::default())
        .await
        .unwrap();
    assert!(page.results.is_empty(), "nothing stored");
    let too_many = vec![WorkLogInput::new("x"); MAX_IMPORT + 1];
    let err = app
        .import_worklogs(&alice, None, too_many)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn pages_follow_their_cursor_to_the_end() {
    let app = app();
    let alice = Actor::user(&user(&app, "alice", false).await);
    let entries = (1..=5)
        .map(|day| WorkLogInput {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, day),
            ..WorkLogInput::new(format!("Day {day}: deployed with Terraform."))
        })
        .collect();
    app.import_worklogs(&alice, None, entries).await.unwrap();
    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let query = WorkLogQuery {
            page: page.clone(),
            ..Default::default()
        };
        let got = app.list_worklogs(&alice, query).await.unwrap();
        seen.extend(got.results.iter().map(|w| w.date.to_string()));
        match got.next {
            Some(next) => page.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "2026-11-05",
            "2026-11-04",
            "2026-11-03",
            "2026-11-02",
            "2026-11-01"
        ]
    );
}

#[tokio::test]
async fn operator_views_are_for_staff_and_the_system() {
    let app = app();
    let alice = Actor::user(&user(&app, "alice", false).await);
    let admin = Actor::user(&user(&app, "admin", true).await);
    let denied = app.overview(&alice, 0).await.unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
    assert!(app.list_schedules(&alice).await.is_err());
    let all = app.list_all_jobs(&alice, JobQuery::default()).await;
    assert_eq!(all.unwrap_err().kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        app.overview(&admin, 2).await.unwrap().workers.this_process,
        2
    );
    assert!(
        app.list_schedules(&Actor::system())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_demo_is_seeded_once() {
    let app = app();
    let workers = app.engine().start(WorkerOptions::workers(2));
    let seeded = app
        .seed_demo(&Actor::system(), "demo-password".into())
        .await
        .unwrap();
    assert_eq!(seeded.worklogs, 15);
    assert!(seeded.skills >= 10, "{seeded:?}");
    let demo = Actor::user(&seeded.user);
    let resume = app.resume(&demo, None, None).await.unwrap();
    assert_eq!(resume.version, 1);
    let again = app
        .seed_demo(&Actor::system(), "demo-password".into())
        .await;
    assert_eq!(again.unwrap_err().kind(), ErrorKind::AlreadyExists);
    let denied = app.seed_demo(&demo, "x".repeat(12)).await.unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
    workers.shutdown(Duration::from_secs(5)).await;
}
