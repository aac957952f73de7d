-- Versioned kinds (prompts, functions): every write is kept here under its _xact_id, so GET ?version= can read
-- any earlier state. The objects row always holds the latest version.
CREATE TABLE object_versions (
    id text COLLATE "C" NOT NULL,
    xact_id bigint NOT NULL,
    org_id text NOT NULL,
    data jsonb NOT NULL,
    PRIMARY KEY (id, xact_id)
);

-- Which version of an object an environment (an "environment" object, by id) points at, e.g. the
-- production version of a prompt. object_version is an _xact_id.
CREATE TABLE environment_objects (
    org_id text NOT NULL,
    object_type text NOT NULL,
    object_id text COLLATE "C" NOT NULL,
    environment_id text COLLATE "C" NOT NULL,
    object_version bigint NOT NULL,
    created text NOT NULL,
    PRIMARY KEY (object_type, object_id, environment_id)
);
CREATE INDEX environment_objects_by_environment ON environment_objects (environment_id);
