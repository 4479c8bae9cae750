-- Attempt counters of the login limiter (ThrottleStore), shared by every process on
-- the database and kept across restarts.
CREATE TABLE throttle_counters (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL
);
CREATE INDEX throttle_counters_window ON throttle_counters (window_start);

-- Session tokens expire on the server, not only through the cookie's Max-Age.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
