-- PostgreSQL's ids move to code-point order here (see its 0006); SQLite's text already compares by code point, so
-- this version changes nothing and only keeps the two stores' schema versions in step.
SELECT 1;
