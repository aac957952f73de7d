-- Foundation: tenancy (organizations, users, API keys) and the generic control-plane object table.
-- Timestamps are ISO-8601 UTC text; ordering uses seq, never text timestamps.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    given_name TEXT,
    family_name TEXT,
    created TEXT NOT NULL
);

CREATE TABLE org_members (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    created TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

-- Only a SHA-256 hash of each key is kept; the raw key is shown once at creation.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    preview_name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    deleted_at TEXT
);

-- Every control-plane object kind lives here as a JSON document; the columns are the
-- projections that lookups, natural-key uniqueness and cursor paging need.
CREATE TABLE objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    kind TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    natural_key TEXT,
    name TEXT,
    data TEXT NOT NULL,
    created TEXT NOT NULL,
    deleted_at TEXT
);

CREATE UNIQUE INDEX objects_natural_key ON objects (org_id, kind, scope_id, natural_key)
    WHERE deleted_at IS NULL AND natural_key IS NOT NULL;
CREATE INDEX objects_by_org_kind ON objects (org_id, kind, seq);
CREATE INDEX objects_by_scope ON objects (scope_id, kind, seq);
