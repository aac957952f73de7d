-- Hourly rollups of project logs, so charts over a month of a large log read hundreds of rows, not millions.
-- One row per log, UTC hour of created ('YYYY-MM-DDTHH') and root-or-not: its span count and, per numeric metric,
-- score and duration, sum/count/min/max (RollupMeasures, JSON with a "v" version). log_rollup_marks holds how far in
-- event_history each log's rollups have read (writers take seq values under the braid_xact lock, so seq order is
-- commit order; a refresh locks its mark row, so one node at a time refreshes a log); log_rollup_dirty lists hours
-- whose rows were removed without a new version (retention), to be counted again.
CREATE TABLE log_rollups (
    object_type text NOT NULL,
    object_id text NOT NULL,
    hour text NOT NULL,
    is_root smallint NOT NULL,
    spans bigint NOT NULL,
    measures text NOT NULL,
    PRIMARY KEY (object_type, object_id, hour, is_root)
);
CREATE TABLE log_rollup_marks (
    object_type text NOT NULL,
    object_id text NOT NULL,
    seq bigint NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
CREATE TABLE log_rollup_dirty (
    object_type text NOT NULL,
    object_id text NOT NULL,
    hour text NOT NULL,
    PRIMARY KEY (object_type, object_id, hour)
);
