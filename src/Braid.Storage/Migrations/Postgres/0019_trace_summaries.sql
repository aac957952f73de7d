-- Kept per-trace summaries of experiments, so summarize (and the SDK's comparison at the end of every Eval) reads one
-- row instead of every span. One row per object: the token it was computed at (the highest history_seq among the
-- object's live rows, and how many live rows there are: any write raises the first, a delete or a purge lowers the
-- second, and no later state has the same pair; writers take seq values under the braid_xact lock, so a row committed
-- late never carries a lower seq), the comparison key its traces were matched on, and the summary (TraceStats' JSON,
-- with a "v" version).
CREATE TABLE trace_summaries (
    object_type text NOT NULL,
    object_id text NOT NULL,
    seq bigint NOT NULL,
    live_rows bigint NOT NULL,
    comparison_key text NOT NULL,
    summary text NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
