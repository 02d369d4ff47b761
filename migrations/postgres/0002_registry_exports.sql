-- The endorsement registry, provider claims, applicant profiles and the server's signing keys.

-- The current version of each endorsement record; every version, this one included, is also
-- in registry_history (append-only), with when and from what source it changed.
CREATE TABLE registry_records (
    number        TEXT PRIMARY KEY,
    holder_name   TEXT NOT NULL,
    holder_email  TEXT NOT NULL,
    credential    TEXT NOT NULL,
    association   TEXT NOT NULL,
    earned_on     TEXT NOT NULL,
    valid_through TEXT,
    revoked_on    TEXT,
    version       BIGINT NOT NULL,
    changed_at_ms BIGINT NOT NULL,
    changed_by    TEXT NOT NULL,
    source        TEXT NOT NULL
);

CREATE TABLE registry_history (
    number        TEXT NOT NULL,
    version       BIGINT NOT NULL,
    holder_name   TEXT NOT NULL,
    holder_email  TEXT NOT NULL,
    credential    TEXT NOT NULL,
    association   TEXT NOT NULL,
    earned_on     TEXT NOT NULL,
    valid_through TEXT,
    revoked_on    TEXT,
    changed_at_ms BIGINT NOT NULL,
    changed_by    TEXT NOT NULL,
    source        TEXT NOT NULL,
    PRIMARY KEY (number, version)
);

CREATE TABLE registry_claims (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL REFERENCES registry_records (number),
    user_id        TEXT NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at_ms  BIGINT NOT NULL,
    decided_at_ms  BIGINT,
    decided_by     TEXT,
    note           TEXT NOT NULL
);
CREATE INDEX registry_claims_user ON registry_claims (user_id);
-- A record belongs to at most one account.
CREATE UNIQUE INDEX registry_claims_one_approved ON registry_claims (number) WHERE status = 'approved';

CREATE TABLE profiles (
    user_id              TEXT PRIMARY KEY REFERENCES users (id),
    masters_conferred_on TEXT,
    rulebook             TEXT,
    purpose              TEXT
);

CREATE TABLE server_keys (
    id            TEXT PRIMARY KEY,
    secret        BYTEA NOT NULL,
    public_key    BYTEA NOT NULL,
    created_at_ms BIGINT NOT NULL,
    retired_at_ms BIGINT
);

CREATE INDEX attestations_attendee ON attestations (attendee_id);
