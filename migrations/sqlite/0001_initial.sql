-- RSC Logbook, schema 1 (SQLite). Append-only: later changes go in new migrations.
-- Times are milliseconds since the Unix epoch (INTEGER) and dates are 'YYYY-MM-DD' text, the
-- same in both backends, so one set of queries serves Postgres and SQLite.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('member', 'registry_admin')),
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    public_key    BLOB NOT NULL,
    actor_id      BLOB NOT NULL UNIQUE,
    token_hash    BLOB NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE login_failures (
    key   TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at_ms);

-- The one sequence every stored change and every participant grant draws from. Updating this
-- row is the last step of a write, so sequence order is commit order and cursors never skip.
CREATE TABLE sync_counter (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO sync_counter (id, seq) VALUES (1, 0);

CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    version       INTEGER NOT NULL,
    bytes         BLOB NOT NULL,
    size_bytes    INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY,
    doc_id    TEXT NOT NULL REFERENCES documents (id),
    hash      BLOB NOT NULL,
    actor_id  BLOB NOT NULL,
    device_id TEXT NOT NULL,
    bytes     BLOB NOT NULL,
    UNIQUE (doc_id, hash)
);
CREATE INDEX changes_doc_seq ON changes (doc_id, seq);

CREATE TABLE participants (
    doc_id    TEXT NOT NULL REFERENCES documents (id),
    user_id   TEXT NOT NULL,
    added_seq INTEGER NOT NULL,
    PRIMARY KEY (doc_id, user_id)
);
CREATE INDEX participants_user ON participants (user_id, doc_id);

-- The relational projection of each session document, rewritten with every document update.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY REFERENCES documents (id),
    provider_id TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    date        TEXT NOT NULL,
    start_time  TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    format      TEXT NOT NULL,
    withdrawn   INTEGER NOT NULL,
    problems    TEXT NOT NULL
);
CREATE INDEX sessions_provider ON sessions (provider_id, date);

CREATE TABLE attendance (
    session_id             TEXT NOT NULL REFERENCES sessions (id),
    attendee_id            TEXT NOT NULL,
    minutes_attended       INTEGER NOT NULL,
    about_own_rsc_practice INTEGER NOT NULL,
    status                 TEXT NOT NULL,
    confirmed_minutes      INTEGER,
    attestation_id         BLOB,
    PRIMARY KEY (session_id, attendee_id)
);
CREATE INDEX attendance_attendee ON attendance (attendee_id);

-- The attestation ledger: every provider statement ever seen, valid or not. Append-only.
CREATE TABLE attestations (
    id               BLOB PRIMARY KEY,
    digest           BLOB NOT NULL,
    session_id       TEXT NOT NULL,
    attendee_id      TEXT NOT NULL,
    provider_id      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    signed_at_ms     INTEGER NOT NULL,
    public_key       BLOB NOT NULL,
    statement        BLOB NOT NULL,
    valid            INTEGER NOT NULL,
    invalid_reason   TEXT,
    first_seen_at_ms INTEGER NOT NULL,
    device_id        TEXT NOT NULL
);
CREATE INDEX attestations_session ON attestations (session_id, attendee_id);

CREATE TRIGGER attestations_no_update BEFORE UPDATE ON attestations
BEGIN
    SELECT RAISE(ABORT, 'the attestation ledger is append-only');
END;

CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations
BEGIN
    SELECT RAISE(ABORT, 'the attestation ledger is append-only');
END;
