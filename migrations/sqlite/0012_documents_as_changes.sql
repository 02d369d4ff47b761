-- Each session document is stored once, as its changes (Automerge loads the changes one after
-- another as the document), instead of twice (a saved copy beside its changes). Two columns of
-- each change go too: its hash (nothing reads it, and Automerge recomputes it from the bytes)
-- and the device that pushed it (a device pushes only its own actor's changes, and each device
-- has an actor of its own, so `actor_id` names the device).
--
-- The tables of small rows keyed by text (documents, participants, attendance) are rebuilt
-- `WITHOUT ROWID`, so that each row is stored in its primary key instead of beside a second
-- copy of that key. `changes` and `sessions` keep their row ids: their rows are large, and a
-- table of large rows keyed by random ids leaves its pages partly empty, where appending in
-- row id order fills them.
--
-- Each new table refers to the other new tables by their new names; renaming them renames
-- those references, so foreign keys hold throughout.

CREATE TABLE documents_new (
    id             TEXT PRIMARY KEY,
    version        INTEGER NOT NULL,
    size_bytes     INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    expanded_bytes INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO documents_new (id, version, size_bytes, updated_at_ms, expanded_bytes)
    SELECT d.id, d.version, COALESCE((SELECT SUM(LENGTH(c.bytes)) FROM changes c WHERE c.doc_id = d.id), 0),
           d.updated_at_ms, d.expanded_bytes
    FROM documents d;

CREATE TABLE changes_new (
    seq       INTEGER PRIMARY KEY,
    doc_id    TEXT NOT NULL REFERENCES documents_new (id),
    actor_id  BLOB NOT NULL,
    bytes     BLOB NOT NULL
);
INSERT INTO changes_new (seq, doc_id, actor_id, bytes) SELECT seq, doc_id, actor_id, bytes FROM changes;

CREATE TABLE participants_new (
    doc_id      TEXT NOT NULL REFERENCES documents_new (id),
    user_id     TEXT NOT NULL,
    added_seq   INTEGER NOT NULL,
    touched_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (doc_id, user_id)
) WITHOUT ROWID;
INSERT INTO participants_new (doc_id, user_id, added_seq, touched_seq)
    SELECT doc_id, user_id, added_seq, touched_seq FROM participants;

CREATE TABLE sessions_new (
    id          TEXT PRIMARY KEY REFERENCES documents_new (id),
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
INSERT INTO sessions_new SELECT id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format,
    withdrawn, problems FROM sessions;

CREATE TABLE attendance_new (
    session_id             TEXT NOT NULL REFERENCES sessions_new (id),
    attendee_id            TEXT NOT NULL,
    minutes_attended       INTEGER NOT NULL,
    about_own_rsc_practice INTEGER NOT NULL,
    status                 TEXT NOT NULL,
    confirmed_minutes      INTEGER,
    attestation_id         BLOB,
    PRIMARY KEY (session_id, attendee_id)
) WITHOUT ROWID;
INSERT INTO attendance_new SELECT session_id, attendee_id, minutes_attended, about_own_rsc_practice, status,
    confirmed_minutes, attestation_id FROM attendance;

-- Referring tables first, so that no row is left referring to a dropped one.
DROP TABLE attendance;
DROP TABLE sessions;
DROP TABLE participants;
DROP TABLE changes;
DROP TABLE documents;

ALTER TABLE documents_new RENAME TO documents;
ALTER TABLE sessions_new RENAME TO sessions;
ALTER TABLE changes_new RENAME TO changes;
ALTER TABLE participants_new RENAME TO participants;
ALTER TABLE attendance_new RENAME TO attendance;

CREATE INDEX changes_doc_seq ON changes (doc_id, seq);
CREATE INDEX participants_user_touched ON participants (user_id, touched_seq);
CREATE INDEX sessions_provider ON sessions (provider_id, date);
CREATE INDEX attendance_attendee ON attendance (attendee_id);
