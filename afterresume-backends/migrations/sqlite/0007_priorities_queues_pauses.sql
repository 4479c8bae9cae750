-- Priorities, named queues and pauses (issue 32).
--
-- A job is claimed in claim order: its due time (microseconds) pushed back one
-- minute per priority level, so urgent jobs go first and a waiting job ages into
-- competing with fresh urgent ones (core's `domain::claim_order`). The index on
-- that expression replaces `jobs_claim`, keeping the claim one ordered index scan.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;
ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
-- Jobs sharing a concurrency key run at most N at once; a start counts the
-- running jobs of its key, by this index of the few running keyed jobs.
ALTER TABLE jobs ADD COLUMN concurrency_key TEXT;
CREATE INDEX jobs_running_key ON jobs (concurrency_key)
    WHERE status = 'running' AND concurrency_key IS NOT NULL;

CREATE INDEX jobs_claim_order ON jobs (run_at + priority * 60000000, id) WHERE status = 'queued';
DROP INDEX jobs_claim;

-- Paused queues (kind 'queue') and job types (kind 'type'): claims skip their jobs.
CREATE TABLE job_pauses (
    kind      TEXT NOT NULL CHECK (kind IN ('queue', 'type')),
    name      TEXT NOT NULL,
    paused_at INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
) WITHOUT ROWID;

-- The message-table queue delivers due messages in the same claim order.
ALTER TABLE queue_messages ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;
