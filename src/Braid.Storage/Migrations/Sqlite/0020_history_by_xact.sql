-- A log's versions in transaction order. The dataset page lists its versions newest first, a page at a time
-- (`dimensions: _xact_id | sort: _xact_id desc | limit: 50` with audit_log): without this index every page grouped the
-- dataset's whole history and sorted it (0.7-0.9 s a page at 1M history rows); walking this one, the query reads the
-- page's versions and stops (5 ms). It covers that query, which reads no other column.
CREATE INDEX event_history_by_xact ON event_history (object_type, object_id, xact_id);
-- Fixed statistics like the other indexes' (see 0007), for the same large store, with about 20 history rows per
-- transaction in one log. Without them the planner would guess ten rows for `object_type = ? AND object_id = ?` here.
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('event_history', 'event_history_by_xact', '12000000 4000000 120000 20');
ANALYZE sqlite_schema;
