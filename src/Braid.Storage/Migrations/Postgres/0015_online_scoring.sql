-- Online scoring: how far each rule (a project_score of type online) has read its project's log, as an
-- event_history seq. Writers take seq values while holding the braid_xact lock, so seq order is commit order and a
-- rule that has read through N has seen every row at or below N. Nodes advance a row only from the value they read
-- (compare and swap), so each range of rows is scored by one node.
CREATE TABLE online_scoring_progress (
    rule_id text PRIMARY KEY,
    scored_through bigint NOT NULL
);
