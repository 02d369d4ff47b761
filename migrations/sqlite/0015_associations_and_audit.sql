-- Several associations on one server: staff keep only their own association's registry, an
-- operator makes associations and staff, and every staff and operator action is kept in an
-- append-only audit trail.
--
-- Existing databases: every association named in the registry is created (its name is its id
-- until the operator says otherwise), and every account that was a registry admin becomes staff
-- of all of them, as it could act on all of them before.

CREATE TABLE associations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    -- The ids of the rulebooks its applicants are evaluated under, comma-separated.
    rulebooks     TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
INSERT INTO associations (id, name, rulebooks, created_at_ms)
    SELECT DISTINCT association, association, '', 0 FROM registry_records;

CREATE TABLE staff (
    user_id        TEXT NOT NULL REFERENCES users (id),
    association_id TEXT NOT NULL REFERENCES associations (id),
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (user_id, association_id)
);
INSERT INTO staff (user_id, association_id, created_at_ms)
    SELECT u.id, a.id, 0 FROM users u CROSS JOIN associations a WHERE u.role = 'registry_admin';

CREATE TABLE operators (
    user_id       TEXT PRIMARY KEY REFERENCES users (id),
    created_at_ms INTEGER NOT NULL
);

-- Who did what, when. `actor_id` is the account, or NULL for the server's command line, whose
-- operating-system user is `actor_os_user`; names are looked up when shown, so the trail keeps
-- ids. `association_id` is NULL for an action of no one association (a reset code).
CREATE TABLE audit_trail (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms           INTEGER NOT NULL,
    actor_id        TEXT,
    actor_os_user   TEXT NOT NULL,
    association_id  TEXT,
    action          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    subject_user_id TEXT,
    detail          TEXT NOT NULL
);
CREATE INDEX audit_trail_association ON audit_trail (association_id, seq);

CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
