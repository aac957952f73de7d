-- Kept per-trace summaries of experiments, so summarize (and the SDK's comparison at the end of every Eval) reads one
-- row instead of every span. One row per object: the token it was computed at, the comparison key its traces were
-- matched on, and the summary (TraceStats' JSON, with a "v" version). The token is the highest history_seq among the
-- object's live rows, which every write raises, and how many live rows were ever removed from it (event_removals,
-- counted by deletes and purges, which leave no higher seq behind): no later state has the same pair, and both are
-- read from indexes without reading the rows.
CREATE TABLE trace_summaries (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    comparison_key TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id)
) WITHOUT ROWID;
CREATE TABLE event_removals (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    removed INTEGER NOT NULL,
    PRIMARY KEY (object_type, object_id)
) WITHOUT ROWID;
