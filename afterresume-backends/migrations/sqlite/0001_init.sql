-- AfterResume on SQLite. Times are INTEGER microseconds since the Unix epoch (UTC),
-- dates are TEXT 'YYYY-MM-DD', UUIDs are 16-byte BLOBs, JSON is TEXT.

CREATE TABLE jobs (
    id               BLOB PRIMARY KEY,
    job_type         TEXT NOT NULL,
    status           TEXT NOT NULL,
    trigger          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    result           TEXT,
    error            TEXT,
    retry_count      INTEGER NOT NULL DEFAULT 0,
    max_retries      INTEGER NOT NULL,
    idempotency_key  TEXT UNIQUE,
    parent_job_id    BLOB,
    user_id          INTEGER,
    trace_id         BLOB NOT NULL,
    run_at           INTEGER NOT NULL,
    attempt          INTEGER NOT NULL DEFAULT 0,
    lease_expires_at INTEGER,
    worker_id        TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER
) WITHOUT ROWID;
CREATE INDEX jobs_claim ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_reap ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_parent ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;
CREATE INDEX jobs_user ON jobs (user_id, created_at DESC) WHERE user_id IS NOT NULL;

CREATE TABLE job_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id    BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    level     TEXT NOT NULL,
    source    TEXT NOT NULL,
    message   TEXT NOT NULL,
    data      TEXT NOT NULL,
    trace_id  BLOB NOT NULL
);
CREATE INDEX job_events_job ON job_events (job_id, id);

CREATE TABLE queue_messages (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id       BLOB NOT NULL,
    available_at INTEGER NOT NULL
);
CREATE INDEX queue_messages_available ON queue_messages (available_at, seq);

CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    job_type    TEXT NOT NULL,
    cron        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    user_id     INTEGER,
    enabled     INTEGER NOT NULL,
    last_run_at INTEGER,
    next_run_at INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled = 1;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email         TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_staff      INTEGER NOT NULL,
    is_active     INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE worklogs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date       TEXT NOT NULL,
    content    TEXT NOT NULL,
    title      TEXT,
    tags       TEXT NOT NULL,
    source     TEXT NOT NULL,
    metadata   TEXT NOT NULL,
    analysis   TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX worklogs_user_date ON worklogs (user_id, date DESC, id DESC);
CREATE INDEX worklogs_date ON worklogs (date DESC, id DESC);

CREATE TABLE skills (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL,
    slug     TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    aliases  TEXT NOT NULL
);

CREATE TABLE skill_evidence (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill_id     INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    worklog_id   INTEGER NOT NULL REFERENCES worklogs (id) ON DELETE CASCADE,
    worklog_date TEXT NOT NULL,
    excerpt      TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset   INTEGER NOT NULL,
    confidence   REAL NOT NULL,
    extractor    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (user_id, skill_id, worklog_id, start_offset, end_offset)
);
CREATE INDEX skill_evidence_user_date ON skill_evidence (user_id, worklog_date);
CREATE INDEX skill_evidence_worklog ON skill_evidence (worklog_id);

CREATE TABLE reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    content      TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX reports_user ON reports (user_id, id DESC);

CREATE TABLE resumes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    document   TEXT NOT NULL,
    markdown   TEXT NOT NULL,
    html       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, version)
);
