-- Imported worklogs by external id (source, scope, key): what makes importing
-- the same notes or history again update instead of create. Deleting a worklog
-- forgets its external id, so the next import creates it again.
CREATE TABLE worklog_imports (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    external_id text NOT NULL,
    worklog_id  bigint NOT NULL REFERENCES worklogs (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, external_id)
);
CREATE INDEX worklog_imports_worklog ON worklog_imports (worklog_id);
