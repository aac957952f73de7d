-- PostgreSQL's braid_timestamptz changes here (see its 0013); SQLite reads timestamps with its own date functions, so
-- nothing changes and the number only keeps both stores' versions in step.
SELECT 1;
