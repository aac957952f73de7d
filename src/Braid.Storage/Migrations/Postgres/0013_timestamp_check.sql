-- braid_timestamptz (0005) tried the cast inside an EXCEPTION block: every call started a subtransaction, and 0010 had
-- to keep every query that calls it out of parallel plans. It now checks the text first and casts only what will
-- cast, with no EXCEPTION block, so it is cheap and PARALLEL SAFE again: grouping a 1M-span log by day went from 27 s
-- to what the same grouping costs without it. Accepted: ISO-8601 dates, optionally with a time ('T' or a space,
-- seconds and fraction optional) and a zone (Z or +hh, +hhmm, +hh:mm); a time without a zone is UTC whatever the
-- session's TimeZone. Anything else is NULL, as an invalid date was before.
CREATE OR REPLACE FUNCTION braid_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    part text[];
    y int;
    m int;
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    part := regexp_match(value, '^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|z|([+-])(\d{2})(?::?(\d{2}))?)?$');
    IF part IS NULL THEN
        RETURN NULL;
    END IF;
    y := part[1]::int;
    m := part[2]::int;
    IF y < 1 OR m NOT BETWEEN 1 AND 12
        OR part[3]::int NOT BETWEEN 1 AND extract(day FROM make_date(y, m, 1) + interval '1 month' - interval '1 day')::int
        OR coalesce(part[4]::int, 0) > 23 OR coalesce(part[5]::int, 0) > 59 OR coalesce(part[6]::int, 0) > 59
        OR coalesce(part[8]::int, 0) > 15 OR coalesce(part[9]::int, 0) > 59 THEN
        RETURN NULL;
    END IF;
    IF part[7] IS NULL AND right(value, 1) NOT IN ('Z', 'z') THEN
        RETURN value::timestamp AT TIME ZONE 'UTC';
    END IF;
    RETURN value::timestamptz;
END $$;
