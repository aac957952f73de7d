-- Hourly rollups of project logs, so charts over a month of a large log read hundreds of rows, not millions.
-- One row per log, UTC hour of created ('YYYY-MM-DDTHH') and root-or-not: its span count and, per numeric metric,
-- score and duration, sum/count/min/max (RollupMeasures, JSON with a "v" version). log_rollup_marks holds how far in
-- event_history each log's rollups have read (seq order is commit order); log_rollup_dirty lists hours whose rows
-- were removed without a new version (retention), to be counted again.
CREATE TABLE log_rollups (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    hour TEXT NOT NULL,
    is_root INTEGER NOT NULL,
    spans INTEGER NOT NULL,
    measures TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id, hour, is_root)
) WITHOUT ROWID;
CREATE TABLE log_rollup_marks (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (object_type, object_id)
) WITHOUT ROWID;
CREATE TABLE log_rollup_dirty (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    hour TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id, hour)
) WITHOUT ROWID;
