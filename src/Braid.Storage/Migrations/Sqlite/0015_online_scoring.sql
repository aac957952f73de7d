-- Online scoring: how far each rule (a project_score of type online) has read its project's log, as an
-- event_history seq (one writer, so seq order is commit order).
CREATE TABLE online_scoring_progress (
    rule_id TEXT PRIMARY KEY,
    scored_through INTEGER NOT NULL
);
