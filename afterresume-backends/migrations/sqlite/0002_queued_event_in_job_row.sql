-- A job's first event, "job queued", says nothing its new row does not (see the
-- Postgres migration of the same name): the writer keeps it in the job's row instead
-- of a `job_events` row of its own, one row write and one index entry fewer per job
-- on the single writer, and the timeline reads it back from there. The row keeps the
-- trigger and due time as queued, since a retry changes the job's.
--
-- `queued_event_id` is the event's id, reserved from `job_events`' AUTOINCREMENT
-- sequence when the job is inserted, so the event sorts before everything the job
-- writes later; NULL means the job's queued event, if any, is a `job_events` row.
ALTER TABLE jobs ADD COLUMN queued_event_id INTEGER;
ALTER TABLE jobs ADD COLUMN queued_trigger TEXT;
ALTER TABLE jobs ADD COLUMN queued_run_at INTEGER;
