-- What the query engine compiles against: a row's creation time as a column, and a full-text index of every
-- stored row version.

-- created: the row's `created`, normalized to Clock.Format's UTC form when it is a date-time (Clock.NormalizeCreated),
-- so that sorting and range filters on it compare instants as text. Rows from before this migration get the raw
-- text here; the startup backfill (EventStore.BackfillSearchAsync) normalizes them.
ALTER TABLE event_current ADD COLUMN created TEXT;
UPDATE event_current SET created = (
    SELECT CASE WHEN json_type(h.data, '$.created') = 'text' THEN json_extract(h.data, '$.created') END
    FROM event_history h WHERE h.seq = event_current.history_seq);
CREATE INDEX event_current_by_created ON event_current (object_type, object_id, created);
CREATE INDEX event_current_by_seq ON event_current (object_type, object_id, history_seq);

-- One entry per live (non-tombstone) row version, rowid = event_history.seq; a query joins it to
-- event_current.history_seq to search current rows only. Each column holds that field's distinct tokens
-- (Braid.Query.Search.SearchTokens: lower-cased letters, digits and marks) joined by single spaces, so the ascii
-- tokenizer splits exactly there and leaves non-ASCII letters alone. Contentless: the rows are in event_history.
-- contentless_delete lets an entry be deleted by rowid alone; detail=column keeps which field matched, not where.
CREATE VIRTUAL TABLE event_search USING fts5(
    input, output, expected, error, metadata, tags, span_attributes,
    content='', contentless_delete=1, tokenize='ascii', detail='column');

-- Versions up to seq `upto` predate the index; the startup backfill indexes them from the newest down, in batches
-- of their own transactions, and lowers `upto` as it goes. 0: nothing left.
CREATE TABLE search_backfill (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO search_backfill (id, upto) SELECT 1, COALESCE(MAX(seq), 0) FROM event_history;
