-- braid_timestamptz and braid_jsonb (0005) catch a failed cast in an EXCEPTION block, and entering such a block starts
-- a subtransaction, which PostgreSQL forbids in parallel mode: declared PARALLEL SAFE, they failed any query that got
-- a parallel plan (a grouping by day over a large log) with 25000 "cannot start subtransactions during a parallel
-- operation". PARALLEL RESTRICTED is not enough (the leader is in parallel mode too); PARALLEL UNSAFE keeps queries
-- that call them out of parallel plans. PostgreSQL 15 has no way to test a text as a timestamp or JSON without trying
-- the cast (pg_input_is_valid came in 16).
ALTER FUNCTION braid_timestamptz(text) PARALLEL UNSAFE;
ALTER FUNCTION braid_jsonb(text) PARALLEL UNSAFE;
