-- Every row version of a job writes one entry into each of its indexes, and a job has
-- three (insert, claim, completion), each with its events: index entries are most of
-- what a job costs the server. Two indexes earned less than they cost.
--
-- The timeline is only ever read per job, in id order: one primary key on (job_id, id)
-- serves that and replaces both the primary key on id and `job_events_job`.
ALTER TABLE job_events DROP CONSTRAINT job_events_pkey;
DROP INDEX job_events_job;
ALTER TABLE job_events ADD PRIMARY KEY (job_id, id);

-- Listing all jobs newest first merges the per-status ranges of `jobs_status_created`
-- (one short index scan per status), so `jobs_created` only duplicated it.
DROP INDEX jobs_created;
