-- Kept per-trace summaries of experiments, so summarize (and the SDK's comparison at the end of every Eval) reads one
-- row instead of every span. One row per object: the token it was computed at (the highest history_seq among the
-- object's live rows, and how many live rows there are: any write raises the first, a delete or a purge lowers the
-- second, and no later state has the same pair), the comparison key its traces were matched on, and the summary
-- (TraceStats' JSON, with a "v" version).
CREATE TABLE trace_summaries (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    live_rows INTEGER NOT NULL,
    comparison_key TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id)
) WITHOUT ROWID;
