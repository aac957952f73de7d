-- Automations (project_automation objects) at work. automation_state holds each automation's schedule, the lease
-- of the node running it, and its progress (a versioned JSON document: cursors, a planned export batch, alert
-- suppression). A node runs an automation only after moving lease_until_ms past now in one conditional UPDATE,
-- so with several nodes on one store each due run happens once.
CREATE TABLE automation_state (
    automation_id text PRIMARY KEY,
    org_id text NOT NULL,
    next_run_ms bigint NOT NULL,
    lease_holder text,
    lease_until_ms bigint NOT NULL DEFAULT 0,
    state text NOT NULL
);

-- Every run, where its user can read it: which node, when it was due, start and end, rows, outcome and error.
-- (automation_id, due_ms) is unique: a due time is run by one node only.
CREATE TABLE automation_runs (
    id text PRIMARY KEY,
    automation_id text NOT NULL,
    org_id text NOT NULL,
    due_ms bigint NOT NULL,
    node text NOT NULL,
    started text NOT NULL,
    ended text,
    outcome text NOT NULL,
    row_count bigint NOT NULL DEFAULT 0,
    error text,
    detail text,
    UNIQUE (automation_id, due_ms)
);
CREATE INDEX automation_runs_by_start ON automation_runs (automation_id, started);
