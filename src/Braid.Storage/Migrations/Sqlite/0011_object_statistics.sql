-- PostgreSQL gets statistics on (object_type, object_id) here (see its 0011); SQLite's fixed statistics (0007) already
-- describe logs by their id, so this version changes nothing and only keeps the two stores' schema versions in step.
SELECT 1;
