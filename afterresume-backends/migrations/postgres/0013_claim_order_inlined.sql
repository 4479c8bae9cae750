-- `afterresume_claim_order` with a body made of immutable operators only.
--
-- Its first body added minutes to a timestamptz, an operator Postgres marks
-- STABLE; an IMMUTABLE SQL function with such a body is never inlined, so each
-- insert of a queued job ran the SQL-function executor to compute its
-- `jobs_claim_order` key. Adding the minutes to the UTC wall-clock time and
-- reading the result back as UTC gives the same instant for every timestamp (UTC
-- has no daylight saving), and inlines to plain operators. The index is unchanged:
-- every key it holds keeps its value.
CREATE OR REPLACE FUNCTION afterresume_claim_order(run_at timestamptz, priority smallint)
    RETURNS timestamptz IMMUTABLE PARALLEL SAFE LANGUAGE sql
    AS $$ SELECT timezone('UTC', timezone('UTC', run_at) + priority * interval '1 minute') $$;
