-- Access control (roles, groups, ACLs live in objects). Every node caches an organization's access model and reads
-- access_generation on each request: triggers bump it with every write to a role, group or ACL row and every
-- membership change, in the writing transaction, so no code path can change access without invalidating the caches.
-- builtin_groups records when the organization got its Owners, Engineers and Viewers groups (null: not yet, for
-- organizations created before this version; the server creates them at startup).
ALTER TABLE organizations ADD COLUMN access_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN builtin_groups TEXT;

CREATE TRIGGER objects_access_insert AFTER INSERT ON objects
WHEN NEW.kind IN ('role', 'group', 'acl')
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER objects_access_update AFTER UPDATE ON objects
WHEN NEW.kind IN ('role', 'group', 'acl') OR OLD.kind IN ('role', 'group', 'acl')
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER objects_access_delete AFTER DELETE ON objects
WHEN OLD.kind IN ('role', 'group', 'acl')
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = OLD.org_id;
END;

CREATE TRIGGER org_members_access_insert AFTER INSERT ON org_members
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER org_members_access_delete AFTER DELETE ON org_members
BEGIN
    UPDATE organizations SET access_generation = access_generation + 1 WHERE id = OLD.org_id;
END;
