-- Priorities, named queues and pauses (issue 32).
--
-- A job is claimed in `afterresume_claim_order(run_at, priority)` order: its due
-- time pushed back one minute per priority level, so urgent jobs go first and a
-- waiting job ages into competing with fresh urgent ones (core's
-- `domain::claim_order` computes the same value). The function only adds
-- minutes, which no time zone changes, so it is immutable and can be indexed;
-- the index replaces `jobs_claim` and keeps the claim one ordered index scan.
ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 2;
ALTER TABLE jobs ADD COLUMN queue text NOT NULL DEFAULT 'default';
-- Jobs sharing a concurrency key run at most N at once; a start counts the
-- running jobs of its key, by this index of the few running keyed jobs.
ALTER TABLE jobs ADD COLUMN concurrency_key text;
CREATE INDEX jobs_running_key ON jobs (concurrency_key)
    WHERE status = 'running' AND concurrency_key IS NOT NULL;

CREATE FUNCTION afterresume_claim_order(run_at timestamptz, priority smallint)
    RETURNS timestamptz IMMUTABLE PARALLEL SAFE LANGUAGE sql
    AS $$ SELECT run_at + priority * interval '1 minute' $$;

CREATE INDEX jobs_claim_order ON jobs (afterresume_claim_order(run_at, priority), id)
    WHERE status = 'queued';
DROP INDEX jobs_claim;

-- Paused queues (kind 'queue') and job types (kind 'type'): claims skip their jobs.
CREATE TABLE job_pauses (
    kind      text NOT NULL CHECK (kind IN ('queue', 'type')),
    name      text NOT NULL,
    paused_at timestamptz NOT NULL,
    PRIMARY KEY (kind, name)
);

-- The message-table queue delivers due messages in the same claim order.
ALTER TABLE queue_messages ADD COLUMN priority smallint NOT NULL DEFAULT 2;
