//! The plans of the by-id statements, on a table whose statistics were gathered
//! when no job was queued or running (the state any busy job table is analysed in
//! sooner or later). Each test first shows that the plain predicate really does
//! plan as a backlog scan there, so it would catch the trap being sprung again.

use super::*;
use crate::testing::postgres;
use uuid::Uuid;

/// 200 finished jobs, analysed; then 20k queued and 20k running ones.
async fn table_with_stale_statistics() -> (PostgresBackend, Vec<Uuid>, Vec<Uuid>) {
    let db = postgres().await;
    let insert = |status: &'static str, n: i32| {
        let sql = format!(
            "INSERT INTO jobs (id, job_type, status, trigger, payload, max_retries, trace_id, \
             run_at, created_at, attempt) SELECT gen_random_uuid(), 't', '{status}', 'api', '{{}}', \
             0, gen_random_uuid(), now() - interval '1 minute', now(), 1 FROM generate_series(1, {n})"
        );
        let pool = db.pool().clone();
        async move { sqlx::query(&sql).execute(&pool).await.unwrap() }
    };
    insert("success", 200).await;
    sqlx::query("ANALYZE jobs")
        .execute(db.pool())
        .await
        .unwrap();
    insert("queued", 20_000).await;
    insert("running", 20_000).await;
    let ids = |status: &'static str| {
        let pool = db.pool().clone();
        async move {
            sqlx::query_scalar::<_, Uuid>("SELECT id FROM jobs WHERE status = $1 LIMIT 16")
                .bind(status)
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };
    let (queued, running) = (ids("queued").await, ids("running").await);
    (db, queued, running)
}

async fn plan(db: &PostgresBackend, sql: &str, ids: &[Uuid]) -> String {
    let now = Utc::now();
    let explain = format!("EXPLAIN {sql}");
    let mut query = sqlx::query_scalar(&explain)
        .bind(now)
        .bind("w")
        .bind(now)
        .bind(ids);
    if sql.contains("$5") {
        // The claim's queues: every queue.
        query = query.bind(None::<Vec<String>>);
    }
    let rows: Vec<String> = query.fetch_all(db.pool()).await.unwrap();
    rows.join("\n")
}

#[tokio::test]
async fn claim_by_ids_probes_the_primary_key_whatever_the_statistics_say() {
    let (db, queued, _) = table_with_stale_statistics().await;
    let trap = "UPDATE jobs SET status = 'running' WHERE id = ANY($4) \
                AND status = 'queued' AND run_at <= $3 AND $1::timestamptz IS NOT NULL \
                AND $2::text IS NOT NULL RETURNING *";
    let control = plan(&db, trap, &queued).await;
    assert_scans_a_status_index(&control);
    for sql in CLAIM_IDS
        .both()
        .into_iter()
        .chain(CLAIM_IDS_WITH_EVENTS.both())
    {
        assert_probes_the_primary_key(&plan(&db, sql, &queued).await);
    }
}

#[tokio::test]
async fn finish_finds_rows_by_primary_key_whatever_the_statistics_say() {
    let (db, _, running) = table_with_stale_statistics().await;
    let explain = |where_clause: String| {
        let db = db.clone();
        let running = running.clone();
        async move {
            let sql = format!(
                "EXPLAIN WITH v AS (SELECT id, attempt FROM UNNEST($1::uuid[], $2::int4[]) \
                 AS u(id, attempt)) UPDATE jobs SET lease_expires_at = NULL FROM v \
                 WHERE {where_clause} RETURNING jobs.id"
            );
            let attempts = vec![1i32; running.len()];
            let rows: Vec<String> = sqlx::query_scalar(&sql)
                .bind(&running)
                .bind(&attempts)
                .fetch_all(db.pool())
                .await
                .unwrap();
            rows.join("\n")
        }
    };
    let control = explain(
        "jobs.id = v.id AND jobs.status = 'running' AND jobs.attempt = v.attempt".to_owned(),
    )
    .await;
    assert_scans_a_status_index(&control);
    assert_probes_the_primary_key(&explain(FINISH_WHERE.to_owned()).await);
}

/// A claim of due jobs walks `jobs_claim_order` to its limit on the claims'
/// connections, also where the statistics expect a handful of queued rows and
/// the same statement on an ordinary connection sorts the whole backlog.
#[tokio::test]
async fn due_claims_walk_the_claim_order_index_whatever_the_statistics_say() {
    let (db, _, _) = table_with_stale_statistics().await;
    async fn plan(pool: &sqlx::PgPool, claim: &str, generic: bool) -> String {
        let mut conn = pool.acquire().await.unwrap();
        let mode = if generic {
            "force_generic_plan"
        } else {
            "auto"
        };
        let queues = if claim.contains("$5") {
            ", ARRAY['default']"
        } else {
            ""
        };
        sqlx::raw_sql(&format!(
            "SET plan_cache_mode = {mode}; PREPARE claim AS {claim}"
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "EXPLAIN EXECUTE claim(now(), 'w', now(), 16{queues})"
        ))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        sqlx::raw_sql("DEALLOCATE claim; RESET plan_cache_mode")
            .execute(&mut *conn)
            .await
            .unwrap();
        rows.join("\n")
    }
    let control = plan(db.pool(), CLAIM_DUE.both()[0], false).await;
    assert!(
        control.contains("Sort"),
        "the trap is not set: an ordinary connection walks the index here\n{control}"
    );
    for claim in CLAIM_DUE
        .both()
        .into_iter()
        .chain(CLAIM_DUE_WITH_EVENTS.both())
    {
        for generic in [false, true] {
            let plan = plan(&db.claims, claim, generic).await;
            let select = plan
                .split("LockRows")
                .nth(1)
                .unwrap_or_else(|| panic!("no LockRows in\n{plan}"));
            let select = select.split("jobs_pkey").next().unwrap_or(select);
            assert!(
                select.contains("Index Scan using jobs_claim_order") && !select.contains("Sort"),
                "{plan}"
            );
        }
    }
}

/// The claim-order function inlines to plain operators (migration `0013`), so
/// an insert computes its index key without the SQL-function executor, and it
/// agrees with core's `claim_order` across a daylight-saving change elsewhere.
#[tokio::test]
async fn the_claim_order_function_inlines_and_agrees_with_core() {
    let db = postgres().await;
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN VERBOSE SELECT afterresume_claim_order(run_at, priority) FROM jobs",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("timezone") && !plan.contains("afterresume_claim_order"),
        "{plan}"
    );
    let mut conn = db.pool().acquire().await.unwrap();
    sqlx::query("SET timezone = 'Europe/Berlin'")
        .execute(&mut *conn)
        .await
        .unwrap();
    let run_at = "2026-03-29T00:59:30Z".parse::<DateTime<Utc>>().unwrap();
    for priority in 1..=4_i16 {
        let order: DateTime<Utc> = sqlx::query_scalar("SELECT afterresume_claim_order($1, $2)")
            .bind(run_at)
            .bind(priority)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(order, claim_order(run_at, priority));
    }
    sqlx::query("RESET timezone")
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Claims commit without waiting for the disk unless durable claims are asked
/// for; everything else always waits.
#[tokio::test]
async fn claims_commit_asynchronously_unless_durable_claims() {
    async fn setting(pool: &sqlx::PgPool) -> String {
        sqlx::query_scalar("SHOW synchronous_commit")
            .fetch_one(pool)
            .await
            .unwrap()
    }
    let db = postgres().await;
    assert_eq!(setting(&db.claims).await, "off");
    assert_eq!(setting(&db.pool).await, "on");
    let durable = crate::testing::postgres_with(|o| o.with_durable_claims(true)).await;
    assert_eq!(setting(&durable.claims).await, "on");
    assert_eq!(setting(&durable.pool).await, "on");
}

/// Every row version of a job without an idempotency key (most jobs) would add an
/// entry to a plain unique index: three per job. The one index on the key is unique
/// and partial, and inserts still resolve conflicts through it (conformance).
#[tokio::test]
async fn only_jobs_with_an_idempotency_key_are_in_its_index() {
    let db = postgres().await;
    let defs: Vec<String> = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() \
         AND tablename = 'jobs' AND indexdef LIKE '%idempotency_key%'",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(defs.len(), 1, "{defs:?}");
    assert!(defs[0].starts_with("CREATE UNIQUE INDEX"), "{defs:?}");
    assert!(
        defs[0].ends_with("WHERE (idempotency_key IS NOT NULL)"),
        "{defs:?}"
    );
}

/// The engine's documents are `json` (migration `0004`): stored as the text that
/// was checked to parse, never turned into a `jsonb` tree on write and back on
/// read. Every write path (statement, `COPY`, claims that build the started
/// event in SQL, completions) round-trips them in the conformance suite; this
/// keeps a later migration from undoing the choice unnoticed.
#[tokio::test]
async fn engine_documents_are_stored_as_json_text() {
    let db = postgres().await;
    let types: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND (table_name, column_name) IN \
         (('jobs', 'payload'), ('jobs', 'result'), ('job_events', 'data')) \
         ORDER BY table_name, column_name",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let expected = [
        ("job_events", "data"),
        ("jobs", "payload"),
        ("jobs", "result"),
    ]
    .map(|(t, c)| (t.to_owned(), c.to_owned(), "json".to_owned()));
    assert_eq!(types, expected);
}

/// Listing every job, newest first, takes one page from each status's range (the
/// queued one in `jobs_queued_created`, the others in `jobs_status_created`) and
/// merges them: no scan or sort of the whole table, also with generic plans. A
/// listing of queued jobs reads their index alone.
#[tokio::test]
async fn listing_all_jobs_merges_a_page_of_each_status() {
    let db = postgres().await;
    sqlx::query(
        "INSERT INTO jobs (id, job_type, status, trigger, payload, max_retries, trace_id, \
         run_at, created_at) SELECT gen_random_uuid(), 't', \
         (ARRAY['queued', 'running', 'success', 'failed', 'cancelled'])[1 + n % 5], 'api', \
         '{}', 0, gen_random_uuid(), now(), now() - n * interval '1 ms' \
         FROM generate_series(1, 20000) n",
    )
    .execute(db.pool())
    .await
    .unwrap();
    sqlx::query("ANALYZE jobs")
        .execute(db.pool())
        .await
        .unwrap();
    let page = |after| JobFilter {
        after,
        limit: 50,
        ..JobFilter::default()
    };
    let queued = JobFilter {
        status: Some(JobStatus::Queued),
        ..page(None)
    };
    let mut conn = db.pool().acquire().await.unwrap();
    for generic in [false, true] {
        let mode = if generic {
            "force_generic_plan"
        } else {
            "auto"
        };
        sqlx::query(&format!("SET plan_cache_mode = {mode}"))
            .execute(&mut *conn)
            .await
            .unwrap();
        let after = page(Some((Utc::now(), Uuid::nil())));
        for (filter, all) in [(page(None), true), (after, true), (queued.clone(), false)] {
            let plan = explain_prepared(&mut conn, &filter).await;
            assert!(
                !plan.contains("Seq Scan") && !plan.contains("->  Sort"),
                "{plan}"
            );
            if all {
                assert!(plan.contains("Merge Append"), "{plan}");
                assert_eq!(
                    plan.matches("jobs_status_created").count(),
                    JobStatus::ALL.len() - 1,
                    "{plan}"
                );
                assert_eq!(plan.matches("jobs_queued_created").count(), 1, "{plan}");
            } else {
                assert!(
                    plan.contains("Backward using jobs_queued_created"),
                    "{plan}"
                );
            }
        }
    }
    let listed = db.list_jobs(&page(None)).await.unwrap();
    let newest: Vec<JobId> =
        sqlx::query_scalar("SELECT id FROM jobs ORDER BY created_at DESC, id DESC LIMIT 50")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), newest);
}

/// The plan of [`push_list`] for `filter` as a prepared statement executes it (a
/// generic plan under `plan_cache_mode = force_generic_plan`): `EXPLAIN EXECUTE`
/// with the filter's values written out.
async fn explain_prepared(conn: &mut sqlx::PgConnection, filter: &JobFilter) -> String {
    let mut q = QueryBuilder::new("");
    push_list(&mut q, filter);
    sqlx::raw_sql(&format!("PREPARE listing AS {}", q.sql()))
        .execute(&mut *conn)
        .await
        .unwrap();
    // Each branch binds its cursor (if any) and its limit; a merge binds one more
    // limit at the end.
    let limit = filter.effective_limit().to_string();
    let mut branch = Vec::new();
    if let Some((created, id)) = filter.after {
        branch.push(format!("'{}'::timestamptz", created.to_rfc3339()));
        branch.push(format!("'{id}'::uuid"));
    }
    branch.push(limit.clone());
    let placeholders = q.sql().matches('$').count();
    let mut values: Vec<String> = (0..placeholders / branch.len())
        .flat_map(|_| branch.iter().cloned())
        .collect();
    values.extend(std::iter::repeat_n(limit, placeholders % branch.len()));
    let plan: Vec<String> =
        sqlx::query_scalar(&format!("EXPLAIN EXECUTE listing({})", values.join(", ")))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    sqlx::raw_sql("DEALLOCATE listing")
        .execute(&mut *conn)
        .await
        .unwrap();
    plan.join("\n")
}

/// Indexes whose scan reads every queued or running job.
const STATUS_INDEXES: [&str; 4] = [
    "jobs_claim_order",
    "jobs_reap",
    "jobs_status_created",
    "jobs_queued_created",
];

fn assert_scans_a_status_index(plan: &str) {
    assert!(
        STATUS_INDEXES.iter().any(|i| plan.contains(i)) && !plan.contains("jobs_pkey"),
        "the trap is not set: the plain predicate plans by primary key here\n{plan}"
    );
}

fn assert_probes_the_primary_key(plan: &str) {
    assert!(
        plan.contains("jobs_pkey") && !STATUS_INDEXES.iter().any(|i| plan.contains(i)),
        "{plan}"
    );
}
