-- One profile document per user (header, positions, education) as JSON text,
-- written whole under optimistic concurrency: a write names the revision it read.
CREATE TABLE profiles (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    document   TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
