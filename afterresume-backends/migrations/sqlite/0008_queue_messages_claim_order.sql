-- The message-table queue delivers due messages in claim order (available time
-- pushed back one minute per priority level). Ordered by that expression over an
-- index of the available time alone, each pop sorted every due message; this
-- index gives the order, and a pop reads a range of it to its limit.
CREATE INDEX queue_messages_claim_order ON queue_messages (available_at + priority * 60000000, seq);
DROP INDEX queue_messages_available;
