-- Most jobs have no idempotency key, and a plain UNIQUE constraint still indexes every
-- NULL: one index entry per row version, three per job (insert, claim, completion),
-- none of which can ever conflict. A partial unique index keeps only the keys that
-- exist; inserts name it with `ON CONFLICT (idempotency_key) WHERE idempotency_key IS
-- NOT NULL`.
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE jobs DROP CONSTRAINT jobs_idempotency_key_key;
