-- Rate-limit token buckets, one row per (organization, endpoint class), shared by every Braid node on this database.
-- A request takes a token in one upsert that first refills the row by the time elapsed since refilled_at (Unix
-- milliseconds), so nodes never read-then-write. A row is transient state: deleting it only refills its bucket,
-- hence no foreign key to organizations (an organization's removal must not race a request's upsert).
CREATE TABLE rate_limit_buckets (
    org_id text NOT NULL,
    endpoint_class text NOT NULL,
    tokens double precision NOT NULL,
    refilled_at bigint NOT NULL,
    granted boolean NOT NULL,
    PRIMARY KEY (org_id, endpoint_class)
);
