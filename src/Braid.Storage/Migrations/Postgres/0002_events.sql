-- Event store: every version of every row of project logs, experiments and datasets.
-- event_history is append-only (one row per version, the full materialized row); event_current points at
-- each live row's newest version; event_traces fixes each trace's place in fetch order at its first write.

-- The last transaction id handed out; writers lock it (FOR UPDATE) until they commit, so xact order is
-- commit order across every Braid node.
CREATE TABLE braid_xact (
    id integer PRIMARY KEY CHECK (id = 1),
    last_xact bigint NOT NULL
);
INSERT INTO braid_xact (id, last_xact) VALUES (1, 0);

CREATE TABLE event_history (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    object_type text NOT NULL,
    object_id text NOT NULL,
    id text NOT NULL,
    xact_id bigint NOT NULL,
    root_span_id text NOT NULL,
    deleted boolean NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX event_history_by_row ON event_history (object_type, object_id, id, seq);
CREATE INDEX event_history_by_trace ON event_history (object_type, object_id, root_span_id, xact_id);

CREATE TABLE event_current (
    object_type text NOT NULL,
    object_id text NOT NULL,
    id text NOT NULL,
    history_seq bigint NOT NULL,
    xact_id bigint NOT NULL,
    root_span_id text NOT NULL,
    PRIMARY KEY (object_type, object_id, id)
);
-- Covering, so that reading a page's traces never touches (or scans) the primary key.
CREATE INDEX event_current_by_trace ON event_current (object_type, object_id, root_span_id, xact_id, history_seq);

CREATE TABLE event_traces (
    object_type text NOT NULL,
    object_id text NOT NULL,
    root_span_id text NOT NULL,
    first_xact bigint NOT NULL,
    PRIMARY KEY (object_type, object_id, root_span_id)
);
CREATE INDEX event_traces_by_time ON event_traces (object_type, object_id, first_xact, root_span_id);
