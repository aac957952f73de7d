-- Event store: every version of every row of project logs, experiments and datasets.
-- event_history is append-only (one row per version, the full materialized row); event_current points at
-- each live row's newest version; event_traces fixes each trace's place in fetch order at its first write.

-- The last transaction id handed out; writers hold it while they commit, so xact order is commit order.
CREATE TABLE braid_xact (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_xact INTEGER NOT NULL
);
INSERT INTO braid_xact (id, last_xact) VALUES (1, 0);

CREATE TABLE event_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    id TEXT NOT NULL,
    xact_id INTEGER NOT NULL,
    root_span_id TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX event_history_by_row ON event_history (object_type, object_id, id, seq);
CREATE INDEX event_history_by_trace ON event_history (object_type, object_id, root_span_id, xact_id);

CREATE TABLE event_current (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    id TEXT NOT NULL,
    history_seq INTEGER NOT NULL,
    xact_id INTEGER NOT NULL,
    root_span_id TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id, id)
) WITHOUT ROWID;
-- Covering, so that reading a page's traces never touches (or scans) the primary key.
CREATE INDEX event_current_by_trace ON event_current (object_type, object_id, root_span_id, xact_id, history_seq);

CREATE TABLE event_traces (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    root_span_id TEXT NOT NULL,
    first_xact INTEGER NOT NULL,
    PRIMARY KEY (object_type, object_id, root_span_id)
) WITHOUT ROWID;
CREATE INDEX event_traces_by_time ON event_traces (object_type, object_id, first_xact, root_span_id);
