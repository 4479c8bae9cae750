-- Seeds :jobs jobs (over 30 days, 4 job types, 1000 users; 1% failed, 0.5% cancelled,
-- 0.1% queued, the rest succeeded) and :per_job events per job into :schema, with the
-- job_counts rows the triggers would have kept, then VACUUM ANALYZE.
SET search_path TO :schema;
SET synchronous_commit TO off;
-- queued_event_id NULL: every event is a row here (its default would draw an id for each).
INSERT INTO jobs (id, job_type, status, trigger, payload, result, max_retries, user_id, trace_id,
                  run_at, attempt, created_at, started_at, finished_at, queued_event_id)
SELECT gen_random_uuid(),
       (ARRAY['worklog.analyze', 'skills.extract', 'report.generate', 'resume.render'])[1 + i % 4],
       CASE WHEN i % 100 = 7 THEN 'failed' WHEN i % 200 = 3 THEN 'cancelled'
            WHEN i % 1000 = 11 THEN 'queued' ELSE 'success' END,
       'api', jsonb_build_object('worklog_id', i), '{}'::jsonb, 3, 1 + i % 1000, gen_random_uuid(),
       t, CASE WHEN i % 1000 = 11 THEN 0 ELSE 1 END, t,
       CASE WHEN i % 1000 = 11 THEN NULL ELSE t END,
       CASE WHEN i % 1000 = 11 THEN NULL ELSE t + interval '50 milliseconds' END,
       NULL
FROM generate_series(1, :jobs) AS i,
     LATERAL (SELECT now() - interval '30 days' * (1 - i::float8 / :jobs) AS t) AS at;
INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id)
SELECT j.id, j.created_at + k * interval '1 millisecond', 'info', 'worker',
       CASE k WHEN 1 THEN 'job queued' WHEN 2 THEN 'job started' ELSE 'step finished' END,
       jsonb_build_object('step', k), j.trace_id
FROM jobs j, generate_series(1, :per_job) AS k;
VACUUM ANALYZE jobs;
VACUUM ANALYZE job_events;
