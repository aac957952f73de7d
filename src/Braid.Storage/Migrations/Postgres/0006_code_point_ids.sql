-- Ids, object names and trace ids compare by code point (COLLATE "C"), as on SQLite, whatever the database's
-- default collation. Paging sorts on these columns and resumes with "after this key": with a locale collation the
-- sort and the resume could disagree on ties and skip or repeat rows. Same type, new collation: PostgreSQL keeps the
-- table and rebuilds the indexes.
ALTER TABLE event_current
    ALTER COLUMN object_type TYPE text COLLATE "C",
    ALTER COLUMN object_id TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN root_span_id TYPE text COLLATE "C";
ALTER TABLE event_traces
    ALTER COLUMN object_type TYPE text COLLATE "C",
    ALTER COLUMN object_id TYPE text COLLATE "C",
    ALTER COLUMN root_span_id TYPE text COLLATE "C";
ALTER TABLE event_history
    ALTER COLUMN object_type TYPE text COLLATE "C",
    ALTER COLUMN object_id TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN root_span_id TYPE text COLLATE "C";
