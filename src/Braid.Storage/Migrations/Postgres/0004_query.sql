-- What the query engine compiles against: a row's creation time as a column, and a full-text index of every
-- stored row version.

-- created: the row's `created`, normalized to Clock.Format's UTC form when it is a date-time (Clock.NormalizeCreated),
-- so that sorting and range filters on it compare instants as text (byte order: COLLATE "C"). Rows from before this
-- migration get the raw text here; the startup backfill (EventStore.BackfillSearchAsync) normalizes them.
ALTER TABLE event_current ADD COLUMN created text COLLATE "C";
UPDATE event_current c
SET created = CASE WHEN jsonb_typeof(h.data -> 'created') = 'string' THEN h.data ->> 'created' END
FROM event_history h WHERE h.seq = c.history_seq;
CREATE INDEX event_current_by_created ON event_current (object_type, object_id, created);
CREATE INDEX event_current_by_seq ON event_current (object_type, object_id, history_seq);

-- The version's search tokens, each '<field>:<token>' (Braid.Query.Search.SearchTokens: lower-cased letters, digits
-- and marks), e.g. 'input:hello'; a query matches with search_tokens @> ARRAY['input:hello'] and joins
-- event_current.history_seq to search current rows only. NULL for tombstones, and for versions the backfill has
-- not reached yet.
ALTER TABLE event_history ADD COLUMN search_tokens text[];
CREATE INDEX event_history_search ON event_history USING gin (search_tokens);

-- Versions up to seq `upto` predate the index; the startup backfill indexes them from the newest down, in batches
-- of their own transactions, and lowers `upto` as it goes. 0: nothing left.
CREATE TABLE search_backfill (
    id integer PRIMARY KEY CHECK (id = 1),
    upto bigint NOT NULL
);
INSERT INTO search_backfill (id, upto) SELECT 1, COALESCE(MAX(seq), 0) FROM event_history;
