-- One profile document per user (header, positions, education) as JSON text,
-- written whole under optimistic concurrency: a write names the revision it read.
CREATE TABLE profiles (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    document   text NOT NULL,
    revision   bigint NOT NULL,
    updated_at timestamptz NOT NULL
);
