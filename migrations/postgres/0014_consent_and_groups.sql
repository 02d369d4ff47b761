-- Connections need the provider's consent, and end.
--
-- 1. A connection records how it was made (`source`: `code`, or `request` for one the provider
--    accepted; NULL for those made before this was recorded) and when and by whom it ended. An
--    ended connection is kept: sessions already logged stay, and both sides see who ended it.
-- 2. Asking by endorsement number is a request the provider accepts or declines.
-- 3. Providers keep named groups of their supervisees; a supervisee sees the members of her
--    groups.
-- 4. People who attended a session together are kept as sessions are written (as
--    `attended_providers` is), so a directory lists the people a user already shares a session
--    with without reading her whole history.
-- Ids are packed (`bytea`) as in the other tables (see 0013).
ALTER TABLE connections ADD COLUMN source TEXT;
ALTER TABLE connections ADD COLUMN ended_at_ms BIGINT;
ALTER TABLE connections ADD COLUMN ended_by TEXT;

CREATE TABLE connection_requests (
    provider_id   BYTEA NOT NULL REFERENCES users (id),
    member_id     BYTEA NOT NULL REFERENCES users (id),
    number        TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    status        TEXT NOT NULL,
    decided_at_ms BIGINT,
    PRIMARY KEY (provider_id, member_id)
);
CREATE INDEX connection_requests_member ON connection_requests (member_id, created_at_ms);

CREATE TABLE provider_groups (
    id             TEXT PRIMARY KEY,
    provider_id    BYTEA NOT NULL REFERENCES users (id),
    name           TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    archived_at_ms BIGINT
);
CREATE UNIQUE INDEX provider_groups_name ON provider_groups (provider_id, name);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES provider_groups (id),
    member_id   BYTEA NOT NULL REFERENCES users (id),
    added_at_ms BIGINT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE acquaintances (
    user_id     BYTEA NOT NULL,
    other_id    BYTEA NOT NULL,
    provider_id BYTEA NOT NULL,
    PRIMARY KEY (user_id, other_id, provider_id)
);
INSERT INTO acquaintances (user_id, other_id, provider_id)
    SELECT DISTINCT a.attendee_id, b.attendee_id, s.provider_id
    FROM attendance a
    JOIN attendance b ON b.session_id = a.session_id AND b.attendee_id <> a.attendee_id
    JOIN sessions s ON s.id = a.session_id;

-- A provider's directory names the people who attended her sessions.
CREATE INDEX attended_providers_provider ON attended_providers (provider_id);

CREATE TRIGGER connection_requests_directory AFTER INSERT OR UPDATE OR DELETE ON connection_requests
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();

CREATE TRIGGER provider_groups_directory AFTER INSERT OR UPDATE OR DELETE ON provider_groups
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();

CREATE TRIGGER group_members_directory AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();
