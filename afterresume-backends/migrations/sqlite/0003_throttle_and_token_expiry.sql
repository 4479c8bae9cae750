-- Attempt counters of the login limiter (ThrottleStore), shared by every process on
-- the file and kept across restarts; times are microseconds since the epoch.
CREATE TABLE throttle_counters (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX throttle_counters_window ON throttle_counters (window_start);

-- Session tokens expire on the server, not only through the cookie's Max-Age.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
