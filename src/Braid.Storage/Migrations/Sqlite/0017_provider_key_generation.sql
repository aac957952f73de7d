-- The organization's generation (organizations.access_generation, migration 0014) also moves with its AI provider
-- keys: every write to an ai_secret or an env_var (a project's provider keys are env_vars) bumps it in the writing
-- transaction. The AI proxy reads the generation with the caller's API key on every request and keeps the resolved
-- provider keys while it holds, so a changed or deleted key is used, or refused, at once on every node.
CREATE TRIGGER objects_provider_keys_insert AFTER INSERT ON objects
WHEN NEW.kind IN ('ai_secret', 'env_var')
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER objects_provider_keys_update AFTER UPDATE ON objects
WHEN NEW.kind IN ('ai_secret', 'env_var') OR OLD.kind IN ('ai_secret', 'env_var')
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER objects_provider_keys_delete AFTER DELETE ON objects
WHEN OLD.kind IN ('ai_secret', 'env_var')
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = OLD.org_id;
END;
