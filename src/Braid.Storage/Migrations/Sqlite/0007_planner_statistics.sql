-- Statistics for SQLite's query planner. Braid never runs ANALYZE, and without statistics SQLite guesses that an
-- equality on an index's first column matches about ten rows: `c.object_type = ?` looked as selective as
-- `c.root_span_id = ?`, so a trace's spans were read by scanning every row of that object type, joined before the
-- handful of traces asked for (a summary of 100 traces read all 100k spans of an experiment; see docs/benchmarks.md).
-- These fixed figures describe a large store instead (10M current rows, a few object types, logs of ~100k rows,
-- traces of ~8 spans), so plans look each trace up by its key whatever the store's size; they only steer plans, never
-- results. Fixed rather than measured, so every store plans alike and nothing has to re-run ANALYZE as logs grow.
-- sqlite_stat1 columns: rows in the index, then rows per distinct value of each leading run of its columns.

-- ANALYZE of one tiny table creates sqlite_stat1 if it does not exist yet.
ANALYZE braid_xact;
DELETE FROM sqlite_stat1 WHERE tbl IN ('event_current', 'event_history', 'event_traces');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('event_current', 'event_current', '10000000 3000000 100000 1'),
    ('event_current', 'event_current_by_trace', '10000000 3000000 100000 8 8 1'),
    ('event_current', 'event_current_by_created', '10000000 3000000 100000 1'),
    ('event_current', 'event_current_by_seq', '10000000 3000000 100000 1'),
    ('event_history', 'event_history_by_row', '12000000 4000000 120000 1 1'),
    ('event_history', 'event_history_by_trace', '12000000 4000000 120000 10 8'),
    ('event_traces', 'event_traces', '1500000 500000 15000 1'),
    ('event_traces', 'event_traces_by_time', '1500000 500000 15000 2 1');
-- Loads them into this connection now; others load them with the schema.
ANALYZE sqlite_schema;
