-- Smaller rows for each session: most of the disk a session takes is the ids in its rows and
-- index entries, and two columns that nothing reads.
--
-- 1. Every column that names a user or a session keeps the id packed (`bytea`) instead of as
--    text: a UUID in 16 bytes instead of 36 characters. These ids are most of each session's
--    rows and index entries (about twenty-five copies per session). The store packs and
--    unpacks them (`rsc-store/src/keys.rs`); this function packs the same way, and is dropped
--    again at the end:
--    - a canonical UUID (lower-case, hyphenated) as its 16 bytes, its last six first (new ids
--      end with the time they were made, so packed they sort by it);
--    - any other id as its UTF-8 bytes followed by a 0xFF byte (which UTF-8 never contains),
--      and by a second one when it is 15 bytes long, so that it is never 16 bytes long.
-- 2. A session's participants are found by an index on the session alone instead of the primary
--    key (session, user): Postgres keeps one entry per session for it, with the rows' addresses
--    side by side (deduplication), instead of one entry per participant, each with both ids.
--    A participant is still never recorded twice: participants are added only by the commit
--    that moves the document to its next version, and that update matches one row at most
--    (`WHERE id = $1 AND version = $4`), so two commits that race on one document cannot both
--    add the same person (the SQLite schema keeps the key, and the conformance suite runs on
--    both).
-- 3. `documents.size_bytes` and `updated_at_ms` go: nothing reads them.
CREATE FUNCTION rsc_pack_id(id TEXT) RETURNS BYTEA LANGUAGE SQL IMMUTABLE STRICT AS $$
    SELECT CASE
        WHEN id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            THEN decode(substring(replace(id, '-', '') from 21 for 12) || substring(replace(id, '-', '') from 1 for 20), 'hex')
        WHEN octet_length(id) = 15 THEN convert_to(id, 'UTF8') || '\xffff'::bytea
        ELSE convert_to(id, 'UTF8') || '\xff'::bytea
    END
$$;

ALTER TABLE documents DROP COLUMN size_bytes, DROP COLUMN updated_at_ms;
ALTER TABLE participants DROP CONSTRAINT participants_pkey;

-- A foreign key's two columns change type one table at a time, so the keys between them are
-- dropped first and made again after.
ALTER TABLE devices DROP CONSTRAINT devices_user_id_fkey;
ALTER TABLE changes DROP CONSTRAINT changes_doc_id_fkey;
ALTER TABLE participants DROP CONSTRAINT participants_doc_id_fkey;
ALTER TABLE sessions DROP CONSTRAINT sessions_id_fkey;
ALTER TABLE attendance DROP CONSTRAINT attendance_session_id_fkey;
ALTER TABLE registry_claims DROP CONSTRAINT registry_claims_user_id_fkey;
ALTER TABLE profiles DROP CONSTRAINT profiles_user_id_fkey;
ALTER TABLE connection_codes DROP CONSTRAINT connection_codes_provider_id_fkey;
ALTER TABLE connections DROP CONSTRAINT connections_provider_id_fkey;
ALTER TABLE connections DROP CONSTRAINT connections_member_id_fkey;
ALTER TABLE password_resets DROP CONSTRAINT password_resets_user_id_fkey;
ALTER TABLE exports DROP CONSTRAINT exports_user_id_fkey;

ALTER TABLE users ALTER COLUMN id TYPE BYTEA USING rsc_pack_id(id);
ALTER TABLE devices ALTER COLUMN user_id TYPE BYTEA USING rsc_pack_id(user_id);
ALTER TABLE documents ALTER COLUMN id TYPE BYTEA USING rsc_pack_id(id);
ALTER TABLE changes ALTER COLUMN doc_id TYPE BYTEA USING rsc_pack_id(doc_id);
ALTER TABLE participants
    ALTER COLUMN doc_id TYPE BYTEA USING rsc_pack_id(doc_id),
    ALTER COLUMN user_id TYPE BYTEA USING rsc_pack_id(user_id);
ALTER TABLE sessions
    ALTER COLUMN id TYPE BYTEA USING rsc_pack_id(id),
    ALTER COLUMN provider_id TYPE BYTEA USING rsc_pack_id(provider_id),
    ALTER COLUMN created_by TYPE BYTEA USING rsc_pack_id(created_by);
ALTER TABLE attendance
    ALTER COLUMN session_id TYPE BYTEA USING rsc_pack_id(session_id),
    ALTER COLUMN attendee_id TYPE BYTEA USING rsc_pack_id(attendee_id);
ALTER TABLE attended_providers
    ALTER COLUMN attendee_id TYPE BYTEA USING rsc_pack_id(attendee_id),
    ALTER COLUMN provider_id TYPE BYTEA USING rsc_pack_id(provider_id);
ALTER TABLE attestations
    ALTER COLUMN session_id TYPE BYTEA USING rsc_pack_id(session_id),
    ALTER COLUMN attendee_id TYPE BYTEA USING rsc_pack_id(attendee_id),
    ALTER COLUMN provider_id TYPE BYTEA USING rsc_pack_id(provider_id);
ALTER TABLE registry_claims ALTER COLUMN user_id TYPE BYTEA USING rsc_pack_id(user_id);
ALTER TABLE profiles ALTER COLUMN user_id TYPE BYTEA USING rsc_pack_id(user_id);
ALTER TABLE connection_codes ALTER COLUMN provider_id TYPE BYTEA USING rsc_pack_id(provider_id);
ALTER TABLE connections
    ALTER COLUMN provider_id TYPE BYTEA USING rsc_pack_id(provider_id),
    ALTER COLUMN member_id TYPE BYTEA USING rsc_pack_id(member_id);
ALTER TABLE password_resets ALTER COLUMN user_id TYPE BYTEA USING rsc_pack_id(user_id);
ALTER TABLE exports ALTER COLUMN user_id TYPE BYTEA USING rsc_pack_id(user_id);

ALTER TABLE devices ADD CONSTRAINT devices_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE changes ADD CONSTRAINT changes_doc_id_fkey FOREIGN KEY (doc_id) REFERENCES documents (id);
ALTER TABLE participants ADD CONSTRAINT participants_doc_id_fkey FOREIGN KEY (doc_id) REFERENCES documents (id);
ALTER TABLE sessions ADD CONSTRAINT sessions_id_fkey FOREIGN KEY (id) REFERENCES documents (id);
ALTER TABLE attendance ADD CONSTRAINT attendance_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (id);
ALTER TABLE registry_claims ADD CONSTRAINT registry_claims_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE profiles ADD CONSTRAINT profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE connection_codes
    ADD CONSTRAINT connection_codes_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES users (id);
ALTER TABLE connections
    ADD CONSTRAINT connections_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES users (id),
    ADD CONSTRAINT connections_member_id_fkey FOREIGN KEY (member_id) REFERENCES users (id);
ALTER TABLE password_resets ADD CONSTRAINT password_resets_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE exports ADD CONSTRAINT exports_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);

CREATE INDEX participants_doc ON participants (doc_id);

DROP FUNCTION rsc_pack_id(TEXT);
