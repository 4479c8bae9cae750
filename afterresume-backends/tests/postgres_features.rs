//! Postgres behaviour beyond the shared suites: transactional enqueue, cross-process
//! wakeups through LISTEN/NOTIFY, trigger-kept job counts, bulk inserts by `COPY`
//! that fail or are abandoned, and "job queued" events kept in job rows.
#![cfg(all(feature = "postgres", feature = "conformance"))]

use std::sync::Arc;
use std::time::{Duration, Instant};

use afterresume_backends::postgres::{PostgresBackend, PostgresOptions};
use afterresume_backends::testing::{POSTGRES_URL_VAR, postgres, required_env};
use afterresume_core::conformance;
use afterresume_core::domain::{EventLevel, EventSource, NewEvent, NewJob};
use afterresume_core::engine::{Engine, EnqueueOptions, WorkerOptions, workflow_fn};
use afterresume_core::ports::{
    EventSink, JobEventWriter, JobStore, JobStoreExt, ListEventsOptions, PopOptions, Queue,
    QueueMessage,
};
use afterresume_core::{ErrorKind, JobStatus};
use serde_json::json;

fn engine_on(db: &PostgresBackend) -> Engine {
    Engine::builder()
        .with_job_store(Arc::new(db.clone()))
        .with_queue(Arc::new(db.queue()))
        .with_event_sink(Arc::new(db.clone()))
        .register(
            "test.echo",
            workflow_fn(|_ctx, payload| async move { Ok(payload) }),
        )
        .build()
        .unwrap()
}

/// A job written inside the caller's transaction exists only if it commits, with its
/// first event and its queue message; then workers run it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactional_enqueue_commits_or_rolls_back_with_the_domain_write() {
    let db = postgres().await;
    let engine = engine_on(&db);

    let mut tx = db.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO users (username, email, full_name, password_hash, is_staff, is_active, created_at) VALUES ('ghost', 'g@x', '', '', false, true, now())")
        .execute(&mut *tx)
        .await
        .unwrap();
    let job = engine
        .prepare_job("test.echo", json!({ "n": 1 }), EnqueueOptions::default())
        .unwrap();
    let rolled_back = job.id;
    PostgresBackend::insert_job_in(&mut tx, job).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(
        db.get_job(rolled_back).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(db.queue().depth().await.unwrap().ready, 0);

    let mut tx = db.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO users (username, email, full_name, password_hash, is_staff, is_active, created_at) VALUES ('real', 'r@x', '', '', false, true, now())")
        .execute(&mut *tx)
        .await
        .unwrap();
    let job = engine
        .prepare_job("test.echo", json!({ "n": 2 }), EnqueueOptions::default())
        .unwrap();
    let committed = PostgresBackend::insert_job_in(&mut tx, job)
        .await
        .unwrap()
        .job;
    tx.commit().await.unwrap();
    assert_eq!(db.queue().depth().await.unwrap().ready, 1);

    let running = engine.start(WorkerOptions::workers(2));
    let done = engine
        .wait_for(committed.id, Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Success);
    let events: Vec<_> = engine
        .job_events(committed.id, &ListEventsOptions::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(events, vec!["job queued", "job started", "job completed"]);
    running.shutdown(Duration::from_secs(5)).await;
}

/// Pushes one job through the queue `queue_of` gives on a second backend (another
/// process, as far as Postgres knows) while a pop waits on a first one that polls
/// only every 5 s; returns what the pop got and how long it waited.
async fn pop_woken_by_another_process(
    queue_of: fn(PostgresBackend) -> Arc<dyn Queue>,
    job_id: uuid::Uuid,
) -> (Vec<afterresume_core::ports::Delivery>, Duration) {
    let url = required_env(POSTGRES_URL_VAR);
    let first = postgres().await;
    let reopen = |notify: bool| {
        let mut options = PostgresOptions::new(url.clone())
            .with_schema(first.schema())
            .with_notify(notify);
        options.poll_interval = SLOW_POLL;
        PostgresBackend::connect_with(options)
    };
    let popper = queue_of(reopen(true).await.unwrap());
    let pusher = queue_of(reopen(true).await.unwrap());
    // Let the listener connect first.
    popper
        .pop(&PopOptions {
            max: 1,
            wait: Duration::from_millis(300),
            queues: None,
        })
        .await
        .unwrap();
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        let got = popper
            .pop(&PopOptions {
                max: 1,
                wait: Duration::from_secs(10),
                queues: None,
            })
            .await
            .unwrap();
        (got, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    pusher
        .push(&[QueueMessage {
            job_id,
            available_at: chrono::Utc::now(),
            priority: afterresume_core::domain::DEFAULT_PRIORITY,
        }])
        .await
        .unwrap();
    waiting.await.unwrap()
}

/// How often the poppers of the wakeup tests poll.
const SLOW_POLL: Duration = Duration::from_secs(5);

/// A push from another backend wakes a waiting pop through NOTIFY well before the
/// polling interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_wakes_poppers_of_other_processes() {
    let job_id = uuid::Uuid::now_v7();
    let (got, waited) = pop_woken_by_another_process(|db| Arc::new(db.queue()), job_id).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].job_id, job_id);
    assert!(
        waited < SLOW_POLL - Duration::from_secs(1),
        "pop waited {waited:?}: woken by polling, not by NOTIFY"
    );
}

/// The store queue announces its pushes (after the pusher returned, from a task of
/// its own): a pop waiting in another process returns, for its caller to claim,
/// well before the polling interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_queue_pushes_wake_poppers_of_other_processes() {
    let (got, waited) =
        pop_woken_by_another_process(|db| Arc::new(db.store_queue()), uuid::Uuid::now_v7()).await;
    assert!(
        got.is_empty(),
        "the store queue delivers nothing: claims do"
    );
    assert!(
        waited < SLOW_POLL - Duration::from_secs(1),
        "pop waited {waited:?}: woken by polling, not by NOTIFY"
    );
}

/// A burst of store-queue pushes is announced by a few NOTIFYs that together count
/// every pushed job, not by one NOTIFY per push.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_pushes_is_announced_by_few_notifies() {
    let db = postgres().await;
    let mut listener = sqlx::postgres::PgListener::connect_with(db.pool())
        .await
        .unwrap();
    listener
        .listen(&format!("afterresume_queue_{}", db.schema()))
        .await
        .unwrap();
    let queue = db.store_queue();
    let pushes = 300;
    for _ in 0..pushes {
        let message = QueueMessage {
            job_id: uuid::Uuid::now_v7(),
            available_at: chrono::Utc::now(),
            priority: afterresume_core::domain::DEFAULT_PRIORITY,
        };
        queue.push(&[message]).await.unwrap();
    }
    let (mut notifies, mut announced) = (0, 0);
    while announced < pushes {
        let notification = tokio::time::timeout(Duration::from_secs(5), listener.recv())
            .await
            .expect("every pushed job is announced")
            .unwrap();
        let (_, jobs) = notification.payload().split_once(' ').unwrap();
        announced += jobs.parse::<usize>().unwrap();
        notifies += 1;
    }
    assert_eq!(announced, pushes);
    assert!(
        notifies < pushes / 10,
        "{notifies} NOTIFYs for {pushes} pushes"
    );
    let more = tokio::time::timeout(Duration::from_millis(300), listener.recv()).await;
    assert!(more.is_err(), "nothing is announced twice: {more:?}");
}

/// The trigger-kept counters agree with the rows through inserts, claims, outcomes
/// and deletes, including batched statements.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_counts_follow_every_transition() {
    let db = postgres().await;
    let engine = engine_on(&db);
    let requests = (0..30)
        .map(|n| afterresume_core::EnqueueRequest::new("test.echo", json!({ "n": n })))
        .collect();
    engine.enqueue_many(requests).await.unwrap();
    let running = engine.start(WorkerOptions::workers(4));
    for _ in 0..400 {
        let counts = db.job_counts().await.unwrap();
        if counts.len() == 1 && counts[0].status == JobStatus::Success {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    running.shutdown(Duration::from_secs(5)).await;
    let counts = db.job_counts().await.unwrap();
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert_eq!(
        (counts[0].status, counts[0].count),
        (JobStatus::Success, 30)
    );
    let truth: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE status = 'success'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(truth, 30);
    engine.purge_finished(Duration::ZERO).await.unwrap();
    assert!(db.job_counts().await.unwrap().is_empty());
}

/// Bad settings give clear errors naming what is wrong, without leaking a password.
#[tokio::test]
async fn bad_settings_are_reported_clearly() {
    let err = PostgresBackend::connect_with(
        PostgresOptions::new("postgres://u:hunter2@127.0.0.1:1/db").with_schema("Bad-Name"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConfigInvalid);
    let err = PostgresBackend::connect("postgres://u:hunter2@127.0.0.1:1/db")
        .await
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("127.0.0.1:1"), "{text}");
    let err = PostgresBackend::connect("mysql://x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConfigInvalid, "{err:#}");
}

fn jobs_with_events(n: usize) -> Vec<(NewJob, NewEvent)> {
    (0..n)
        .map(|i| {
            let job = conformance::new_job();
            let event = NewEvent {
                job_id: job.id,
                timestamp: conformance::t0(),
                level: EventLevel::Info,
                source: EventSource::System,
                message: "job queued".to_owned(),
                data: json!({ "i": i }),
                trace_id: job.trace_id,
            };
            (job, event)
        })
        .collect()
}

async fn rows(db: &PostgresBackend, sql: &str, ids: &[uuid::Uuid]) -> i64 {
    sqlx::query_scalar(sql)
        .bind(ids)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// A large batch (streamed by `COPY`) that fails part-way stores none of its jobs,
/// events or counts, and the connection it used serves the next batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_bulk_copy_stores_nothing() {
    let db = postgres().await;
    let taken = db.insert_job(conformance::new_job()).await.unwrap().job;
    let mut batch = jobs_with_events(600);
    let last = batch.len() - 1;
    batch[last].0.id = taken.id; // the primary key stops the copy at its last row
    batch[last].1.job_id = taken.id;
    let ids: Vec<_> = batch[..last].iter().map(|(j, _)| j.id).collect();
    let err = db.insert_jobs_with_events(batch).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert!(err.to_string().contains("jobs_pkey"), "{err}");
    assert_eq!(
        rows(&db, "SELECT count(*) FROM jobs WHERE id = ANY($1)", &ids).await,
        0
    );
    assert_eq!(
        rows(
            &db,
            "SELECT count(*) FROM job_events WHERE job_id = ANY($1)",
            &ids
        )
        .await,
        0
    );
    let counts = db.job_counts().await.unwrap();
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 1, "{counts:?}");
    let next = jobs_with_events(600);
    assert_eq!(db.insert_jobs_with_events(next).await.unwrap().len(), 600);
}

/// The engine's own bulk insert (every job keeping its queued event: one `COPY` that
/// commits by itself) stores nothing either when a row fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_single_statement_copy_stores_nothing() {
    let db = postgres().await;
    let taken = db.insert_job(conformance::new_job()).await.unwrap().job;
    let mut batch: Vec<NewJob> = (0..600).map(|_| conformance::new_job()).collect();
    let last = batch.len() - 1;
    batch[last].id = taken.id; // the primary key stops the copy at its last row
    let ids: Vec<_> = batch[..last].iter().map(|j| j.id).collect();
    let err = db.insert_queued_jobs(batch).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert_eq!(
        rows(&db, "SELECT count(*) FROM jobs WHERE id = ANY($1)", &ids).await,
        0
    );
    let counts = db.job_counts().await.unwrap();
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 1, "{counts:?}");
    let next: Vec<NewJob> = (0..600).map(|_| conformance::new_job()).collect();
    assert_eq!(db.insert_queued_jobs(next).await.unwrap().len(), 600);
}

/// A caller that stops waiting for a large batch cannot leave a connection in the
/// middle of a `COPY`: the batch commits on its own, whole, and the pool keeps
/// serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_bulk_insert_commits_whole_and_the_pool_keeps_serving() {
    let db = postgres().await;
    let batch = jobs_with_events(20_000);
    let ids: Vec<_> = batch.iter().map(|(j, _)| j.id).collect();
    let gave_up =
        tokio::time::timeout(Duration::from_millis(5), db.insert_jobs_with_events(batch)).await;
    assert!(
        gave_up.is_err(),
        "the batch finished within 5 ms: nothing was dropped"
    );
    let count = "SELECT count(*) FROM jobs WHERE id = ANY($1)";
    let started = Instant::now();
    let mut stored = rows(&db, count, &ids).await;
    while stored == 0 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        stored = rows(&db, count, &ids).await;
    }
    assert_eq!(stored, 20_000, "the batch is whole once visible");
    let events = "SELECT count(*) FROM job_events WHERE job_id = ANY($1)";
    assert_eq!(rows(&db, events, &ids).await, 20_000);
    // Every connection of the pool still answers.
    let checks = (0..32).map(|_| sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(db.pool()));
    for answer in futures::future::join_all(checks).await {
        assert_eq!(answer.unwrap(), 1);
    }
}

/// Two handles on one backend (clones in separate `Arc`s) share the timeline: the
/// store writes events in its own transactions, so a finished job always has its
/// "job completed" event. A sink elsewhere does not share it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_of_one_backend_share_the_timeline() {
    let db = postgres().await;
    assert!(engine_on(&db).store_writes_events());
    let elsewhere = Engine::builder()
        .with_job_store(Arc::new(db.clone()))
        .with_queue(Arc::new(db.queue()))
        .with_event_sink(Arc::new(
            afterresume_backends::memory::MemoryEventSink::new(),
        ))
        .build()
        .unwrap();
    assert!(!elsewhere.store_writes_events());
    let other_backend = postgres().await;
    let apart = Engine::builder()
        .with_job_store(Arc::new(db.clone()))
        .with_queue(Arc::new(db.queue()))
        .with_event_sink(Arc::new(other_backend))
        .build()
        .unwrap();
    assert!(
        !apart.store_writes_events(),
        "another schema is another timeline"
    );
}

/// A bulk insert keeps each standard "job queued" event in its job's row (migration
/// `0005`), and an event that is not the standard one stays an event row. (That the
/// timeline reads them back as given is the conformance suite's
/// `queued_events_read_back_as_given`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_queued_events_of_a_bulk_insert_live_in_job_rows() {
    let db = postgres().await;
    let mut batch = conformance::jobs_with_queued_events(600);
    batch[7].1.data["note"] = json!("not the standard event");
    let ids: Vec<_> = batch.iter().map(|(job, _)| job.id).collect();
    db.insert_jobs_with_events(batch).await.unwrap();
    let event_rows = "SELECT count(*) FROM job_events WHERE job_id = ANY($1)";
    assert_eq!(
        rows(&db, event_rows, &ids).await,
        1,
        "only the custom event is a row"
    );
    let kept = "SELECT count(*) FROM jobs WHERE id = ANY($1) AND queued_event_id IS NOT NULL";
    assert_eq!(rows(&db, kept, &ids).await, 599);
}

/// What the engine writes on every enqueue, by `COPY` and by statement (keyed and
/// not): no event row at all.
#[tokio::test]
async fn queued_jobs_keep_their_events_in_job_rows_on_every_insert_path() {
    let db = postgres().await;
    let new_jobs = |n| -> Vec<_> {
        conformance::jobs_with_queued_events(n)
            .into_iter()
            .map(|(job, _)| job)
            .collect()
    };
    let mut keyed = new_jobs(2);
    keyed[0].idempotency_key = Some("kept".to_owned());
    let mut ids = Vec::new();
    for batch in [new_jobs(300), new_jobs(1), keyed] {
        ids.extend(batch.iter().map(|job| job.id));
        db.insert_queued_jobs(batch).await.unwrap();
    }
    let event_rows = "SELECT count(*) FROM job_events WHERE job_id = ANY($1)";
    assert_eq!(rows(&db, event_rows, &ids).await, 0);
    let kept = "SELECT count(*) FROM jobs WHERE id = ANY($1) AND queued_trigger IS NOT NULL";
    assert_eq!(rows(&db, kept, &ids).await, 303);
}

/// A job row written without the kept-event columns (by hand, or by an older writer)
/// draws an id from `queued_event_id`'s default (migration `0006`) but keeps no event:
/// its timeline is what its event rows say.
#[tokio::test]
async fn a_job_row_inserted_without_a_queued_trigger_keeps_no_event() {
    let db = postgres().await;
    let id = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO jobs (id, job_type, status, trigger, payload, max_retries, trace_id, \
         run_at, created_at) VALUES ($1, 'test.echo', 'queued', 'api', '{}', 3, $1, now(), now())",
    )
    .bind(id)
    .execute(db.pool())
    .await
    .unwrap();
    let drawn: Option<i64> = sqlx::query_scalar("SELECT queued_event_id FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(drawn.is_some(), "the default draws an id");
    let timeline = db.list(id, &ListEventsOptions::default()).await.unwrap();
    assert!(timeline.is_empty(), "{timeline:?}");
    assert_eq!(db.delete_for_jobs(&[id]).await.unwrap(), 0);
}

/// A row whose stored JSON serde_json cannot read (nested past its limit, as a
/// row written before the store checked depth) reads as `unreadable_json`; the
/// list it is in still answers and the row can be replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_json_value_does_not_take_down_a_list() {
    use afterresume_core::domain::{NewUser, NewWorkLog, WorkLogFilter, WorkLogPatch};
    use afterresume_core::ports::{UserStore, WorkLogStore};
    let db = postgres().await;
    let now = chrono::Utc::now();
    let user = db
        .create_user(
            NewUser {
                username: "deep".into(),
                email: "deep@example.com".into(),
                full_name: "Deep".into(),
                password_hash: String::new(),
                is_staff: false,
            },
            now,
        )
        .await
        .unwrap();
    let day = now.date_naive();
    let kept = db
        .create_worklog(NewWorkLog::new(user.id, day, "fine"), now)
        .await
        .unwrap();
    let poisoned = db
        .create_worklog(NewWorkLog::new(user.id, day, "poisoned"), now)
        .await
        .unwrap();
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    sqlx::query("UPDATE worklogs SET metadata = $1::jsonb WHERE id = $2")
        .bind(&deep)
        .bind(poisoned.id)
        .execute(db.pool())
        .await
        .unwrap();
    let filter = WorkLogFilter {
        user_id: Some(user.id),
        ..Default::default()
    };
    let listed = db.list_worklogs(&filter).await.unwrap();
    assert_eq!(listed.len(), 2);
    let read = db.get_worklog(poisoned.id).await.unwrap();
    assert!(
        read.metadata["unreadable_json"].is_string(),
        "{:?}",
        read.metadata
    );
    assert_eq!(db.get_worklog(kept.id).await.unwrap().metadata, json!({}));
    let patch = WorkLogPatch {
        metadata: Some(json!({"fixed": true})),
        ..Default::default()
    };
    let fixed = db.update_worklog(poisoned.id, patch, now).await.unwrap();
    assert_eq!(fixed.metadata, json!({"fixed": true}));
    db.drop_schema().await.unwrap();
}
