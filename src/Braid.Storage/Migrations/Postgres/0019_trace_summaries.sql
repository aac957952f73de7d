-- Kept per-trace summaries of experiments, so summarize (and the SDK's comparison at the end of every Eval) reads one
-- row instead of every span. One row per object: the token it was computed at, the comparison key its traces were
-- matched on, and the summary (TraceStats' JSON, with a "v" version). The token is the highest history_seq among the
-- object's live rows, which every write raises (writers take seq values under the braid_xact lock, so a row committed
-- late never carries a lower seq), and how many live rows were ever removed from it (event_removals, counted by
-- deletes and purges, which leave no higher seq behind): no later state has the same pair, and both are read from
-- indexes without reading the rows.
CREATE TABLE trace_summaries (
    object_type text NOT NULL,
    object_id text NOT NULL,
    seq bigint NOT NULL,
    removed bigint NOT NULL,
    comparison_key text NOT NULL,
    summary text NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
CREATE TABLE event_removals (
    object_type text NOT NULL,
    object_id text NOT NULL,
    removed bigint NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
