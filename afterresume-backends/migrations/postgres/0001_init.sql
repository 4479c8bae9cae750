-- AfterResume on Postgres. Every object lives in the schema the backend was opened
-- with (search_path is set per connection), so several deployments or test runs can
-- share one database.

CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    job_type         text NOT NULL,
    status           text NOT NULL,
    trigger          text NOT NULL,
    payload          jsonb NOT NULL,
    result           jsonb,
    error            text,
    retry_count      integer NOT NULL DEFAULT 0,
    max_retries      integer NOT NULL,
    idempotency_key  text UNIQUE,
    parent_job_id    uuid,
    user_id          bigint,
    trace_id         uuid NOT NULL,
    run_at           timestamptz NOT NULL,
    attempt          integer NOT NULL DEFAULT 0,
    lease_expires_at timestamptz,
    worker_id        text,
    cancel_requested boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz
);
-- Partial indexes keep the hot paths (claim, reap) as small as the work in flight.
CREATE INDEX jobs_claim ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_reap ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_parent ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;
CREATE INDEX jobs_user ON jobs (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, id DESC);

-- Job counts by (type, status) kept by statement-level triggers, so the dashboard never
-- scans `jobs`. Each connection writes its own shard (backend pid mod 16) to avoid one
-- hot counter row; readers sum the shards.
CREATE TABLE job_counts (
    job_type text NOT NULL,
    status   text NOT NULL,
    shard    integer NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (job_type, status, shard)
);

CREATE FUNCTION job_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO job_counts (job_type, status, shard, n)
        SELECT job_type, status, pg_backend_pid() % 16, count(*) FROM new_rows
        GROUP BY job_type, status ORDER BY job_type, status
        ON CONFLICT (job_type, status, shard) DO UPDATE SET n = job_counts.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO job_counts (job_type, status, shard, n)
        SELECT job_type, status, pg_backend_pid() % 16, -count(*) FROM old_rows
        GROUP BY job_type, status ORDER BY job_type, status
        ON CONFLICT (job_type, status, shard) DO UPDATE SET n = job_counts.n + excluded.n;
    ELSE
        INSERT INTO job_counts (job_type, status, shard, n)
        SELECT job_type, status, pg_backend_pid() % 16, sum(delta) FROM (
            SELECT job_type, status, 1 AS delta FROM new_rows
            UNION ALL
            SELECT job_type, status, -1 AS delta FROM old_rows
        ) changes
        GROUP BY job_type, status HAVING sum(delta) <> 0 ORDER BY job_type, status
        ON CONFLICT (job_type, status, shard) DO UPDATE SET n = job_counts.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION job_counts_apply();
CREATE TRIGGER jobs_count_update AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION job_counts_apply();
CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION job_counts_apply();

-- The event timeline: append-only, apart from the hot job rows.
CREATE TABLE job_events (
    id        bigserial PRIMARY KEY,
    job_id    uuid NOT NULL,
    timestamp timestamptz NOT NULL,
    level     text NOT NULL,
    source    text NOT NULL,
    message   text NOT NULL,
    data      jsonb NOT NULL,
    trace_id  uuid NOT NULL
);
CREATE INDEX job_events_job ON job_events (job_id, id);

CREATE TABLE queue_messages (
    seq          bigserial PRIMARY KEY,
    job_id       uuid NOT NULL,
    available_at timestamptz NOT NULL
);
CREATE INDEX queue_messages_available ON queue_messages (available_at, seq);

CREATE TABLE schedules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    job_type    text NOT NULL,
    cron        text NOT NULL,
    payload     jsonb NOT NULL,
    user_id     bigint,
    enabled     boolean NOT NULL,
    last_run_at timestamptz,
    next_run_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled;

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL,
    email         text NOT NULL,
    full_name     text NOT NULL,
    password_hash text NOT NULL,
    is_staff      boolean NOT NULL,
    is_active     boolean NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE worklogs (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date       date NOT NULL,
    content    text NOT NULL,
    title      text,
    tags       text[] NOT NULL,
    source     text NOT NULL,
    metadata   jsonb NOT NULL,
    analysis   jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX worklogs_user_date ON worklogs (user_id, date DESC, id DESC);
CREATE INDEX worklogs_date ON worklogs (date DESC, id DESC);
CREATE INDEX worklogs_tags ON worklogs USING gin (tags);

CREATE TABLE skills (
    id       bigserial PRIMARY KEY,
    name     text NOT NULL,
    slug     text NOT NULL UNIQUE,
    category text NOT NULL,
    aliases  text[] NOT NULL
);

CREATE TABLE skill_evidence (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill_id     bigint NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    worklog_id   bigint NOT NULL REFERENCES worklogs (id) ON DELETE CASCADE,
    worklog_date date NOT NULL,
    excerpt      text NOT NULL,
    start_offset integer NOT NULL,
    end_offset   integer NOT NULL,
    confidence   double precision NOT NULL,
    extractor    text NOT NULL,
    created_at   timestamptz NOT NULL,
    UNIQUE (user_id, skill_id, worklog_id, start_offset, end_offset)
);
CREATE INDEX skill_evidence_user_date ON skill_evidence (user_id, worklog_date);
CREATE INDEX skill_evidence_worklog ON skill_evidence (worklog_id);
CREATE INDEX skill_evidence_skill ON skill_evidence (skill_id);

CREATE TABLE reports (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL,
    period_start date NOT NULL,
    period_end   date NOT NULL,
    content      text NOT NULL,
    data         jsonb NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX reports_user ON reports (user_id, id DESC);

CREATE TABLE resumes (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version    integer NOT NULL,
    document   jsonb NOT NULL,
    markdown   text NOT NULL,
    html       text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (user_id, version)
);
