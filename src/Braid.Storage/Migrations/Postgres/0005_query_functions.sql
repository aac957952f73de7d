-- Functions the query compiler calls to read a user's text as a timestamp or as JSON. A cast would fail the whole
-- query on the first row holding something else; these return NULL for that row instead, as SQLite's functions do.

-- Only ISO-8601 dates are read: PostgreSQL would also take words such as 'now' or 'today', which in a row are data.
CREATE FUNCTION braid_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL OR value !~ '^\d{4}-\d{2}-\d{2}' THEN
        RETURN NULL;
    END IF;
    RETURN value::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE FUNCTION braid_jsonb(value text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN value::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
