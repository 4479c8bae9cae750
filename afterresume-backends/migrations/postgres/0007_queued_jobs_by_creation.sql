-- Every new job is `queued`, and its entry in `jobs_status_created` (status, newest
-- first) lands inside the index, in the middle of the other statuses' ranges: each
-- insert descends the whole tree. A partial index of queued jobs alone, oldest
-- first, takes every new job at its right edge, where B-tree inserts skip the descent
-- (the cached rightmost page); index insertion was a third of the server's work in a
-- bulk insert. Listings read the queued range there (backwards for newest first)
-- and every other status's range in `jobs_status_created`; a job leaves the queued
-- index when it is claimed, as it did the queued range before.
DROP INDEX jobs_status_created;
CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, id DESC)
    WHERE status <> 'queued';
CREATE INDEX jobs_queued_created ON jobs (created_at, id) WHERE status = 'queued';
-- (Rebuilding the indexes locks `jobs` once, for as long as the build of a
-- table-sized index takes.)
