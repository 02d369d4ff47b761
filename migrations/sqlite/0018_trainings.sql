-- Trainings: a person's own documents, synced like sessions through `documents`, `changes` and
-- `participants` (the owner is a training's one participant). `kind` tells the two apart: a
-- push of one kind to a document of the other is refused, and a pull hands trainings only to
-- devices that read them. Every document before this one is a session.
ALTER TABLE documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'session' CHECK (kind IN ('session', 'training'));
ALTER TABLE participants ADD COLUMN kind TEXT NOT NULL DEFAULT 'session' CHECK (kind IN ('session', 'training'));

-- The relational projection of each training document, rewritten with every update.
CREATE TABLE trainings (
    id          TEXT PRIMARY KEY REFERENCES documents (id),
    owner_id    TEXT NOT NULL REFERENCES users (id),
    title       TEXT NOT NULL,
    organiser   TEXT NOT NULL,
    date        TEXT NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 2400),
    topic       TEXT NOT NULL CHECK (topic IN ('imh', 'rsc', 'dei')),
    certificate TEXT,
    withdrawn   INTEGER NOT NULL
);
CREATE INDEX trainings_owner ON trainings (owner_id, date);

-- Certificate files, each kept once by its SHA-256 however many people upload it, and who
-- uploaded which (a person's quota counts her own). A file nobody holds any more is deleted.
CREATE TABLE certificate_files (
    digest     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    bytes      BLOB NOT NULL
);
CREATE TABLE certificates (
    owner_id      TEXT NOT NULL REFERENCES users (id),
    digest        TEXT NOT NULL REFERENCES certificate_files (digest),
    file_name     TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (owner_id, digest)
);
CREATE INDEX certificates_digest ON certificates (digest);
