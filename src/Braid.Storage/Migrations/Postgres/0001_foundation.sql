-- Foundation: tenancy (organizations, users, API keys) and the generic control-plane object table.
-- Timestamps are ISO-8601 UTC text, as on SQLite, so both stores return identical bytes;
-- ordering uses seq, never text timestamps.
CREATE TABLE organizations (
    id text PRIMARY KEY,
    name text NOT NULL UNIQUE,
    created text NOT NULL
);

CREATE TABLE users (
    id text PRIMARY KEY,
    email text NOT NULL UNIQUE,
    given_name text,
    family_name text,
    created text NOT NULL
);

CREATE TABLE org_members (
    org_id text NOT NULL REFERENCES organizations (id),
    user_id text NOT NULL REFERENCES users (id),
    created text NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

-- Only a SHA-256 hash of each key is kept; the raw key is shown once at creation.
CREATE TABLE api_keys (
    id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES organizations (id),
    user_id text NOT NULL REFERENCES users (id),
    name text NOT NULL,
    preview_name text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    created text NOT NULL,
    deleted_at text
);

-- Every control-plane object kind lives here as a JSON document; the columns are the
-- projections that lookups, natural-key uniqueness and cursor paging need.
CREATE TABLE objects (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    org_id text NOT NULL REFERENCES organizations (id),
    kind text NOT NULL,
    scope_id text NOT NULL,
    natural_key text,
    name text,
    data jsonb NOT NULL,
    created text NOT NULL,
    deleted_at text
);

CREATE UNIQUE INDEX objects_natural_key ON objects (org_id, kind, scope_id, natural_key)
    WHERE deleted_at IS NULL AND natural_key IS NOT NULL;
CREATE INDEX objects_by_org_kind ON objects (org_id, kind, seq);
CREATE INDEX objects_by_scope ON objects (scope_id, kind, seq);
