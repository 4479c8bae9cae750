-- A bulk insert of jobs that all keep their "job queued" event (migration 0005) can let
-- each row draw its event id from the timeline's sequence as it goes in, in batch
-- order, instead of reserving the ids first: the batch is then one `COPY` statement
-- that commits by itself (no BEGIN, no reservation, no COMMIT round trip).
--
-- With a default, `queued_event_id` no longer says whether a row keeps its event (a
-- row inserted without it gets an id too, an unused gap in the sequence):
-- `queued_trigger` does. Rows written before keep both set or both NULL.
ALTER TABLE jobs ALTER COLUMN queued_event_id SET DEFAULT nextval('job_events_id_seq');
