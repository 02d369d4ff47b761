-- Signed exports kept under an id, so that a printout (PDF, CSV) can name the very JSON it was
-- made from and a reviewer can look it up; the applicant may withdraw one.
CREATE TABLE exports (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    digest          BLOB NOT NULL UNIQUE,
    body            TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    withdrawn_at_ms BIGINT
);
CREATE INDEX exports_user ON exports (user_id);
