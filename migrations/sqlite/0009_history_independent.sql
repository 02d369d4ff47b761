-- Every per-request cost independent of how much history a user has.
--
-- `touched_seq`: the sequence number of the last write to the document (its last change, or
-- a participant joining), kept on each participant row, so that a pull from a cursor reads only
-- the documents touched since, through (user_id, touched_seq), instead of every document the
-- user ever took part in.
ALTER TABLE participants ADD COLUMN touched_seq INTEGER NOT NULL DEFAULT 0;
UPDATE participants SET touched_seq = COALESCE((SELECT MAX(c.seq) FROM changes c WHERE c.doc_id = participants.doc_id), 0);
UPDATE participants SET touched_seq = added_seq WHERE added_seq > touched_seq;
CREATE INDEX participants_user_touched ON participants (user_id, touched_seq);

-- Each provider an attendee ever attended a session of, kept as sessions are written, so that
-- a device's directory does not read every attendance row of the user.
CREATE TABLE attended_providers (
    attendee_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    PRIMARY KEY (attendee_id, provider_id)
);
INSERT INTO attended_providers (attendee_id, provider_id)
    SELECT DISTINCT a.attendee_id, s.provider_id FROM attendance a JOIN sessions s ON s.id = a.session_id;
