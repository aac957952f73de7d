-- Versioned kinds (prompts, functions): every write is kept here under its _xact_id, so GET ?version= can read
-- any earlier state. The objects row always holds the latest version.
CREATE TABLE object_versions (
    id TEXT NOT NULL,
    xact_id INTEGER NOT NULL,
    org_id TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (id, xact_id)
);

-- Which version of an object an environment (an "environment" object, by id) points at, e.g. the
-- production version of a prompt. object_version is an _xact_id.
CREATE TABLE environment_objects (
    org_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    environment_id TEXT NOT NULL,
    object_version INTEGER NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id, environment_id)
);
CREATE INDEX environment_objects_by_environment ON environment_objects (environment_id);
