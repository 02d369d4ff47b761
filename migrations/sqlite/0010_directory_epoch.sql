-- A version of everything a device's directory and profile are made of, except the providers
-- each user attended (read per user, one indexed row set): the users' names, their devices'
-- keys, the registry's records and claims, profiles and connections. Each write to one of
-- these, in whatever process, raises it in the writing transaction, so that a server keeps a
-- user's account version for as long as it stands and answers an idle sync with one lookup.
-- These tables are written by people and staff (sign-ins, claims, connections), never by a
-- sync's commit, so the one row is never contended by document writes.
CREATE TABLE directory_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO directory_epoch (id, value) VALUES (1, 0);

CREATE TRIGGER users_update_directory AFTER UPDATE OF display_name ON users
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER users_delete_directory AFTER DELETE ON users
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER devices_insert_directory AFTER INSERT ON devices
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER devices_delete_directory AFTER DELETE ON devices
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER devices_update_directory AFTER UPDATE OF public_key, revoked_at_ms ON devices
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER registry_records_insert_directory AFTER INSERT ON registry_records
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER registry_records_update_directory AFTER UPDATE ON registry_records
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER registry_records_delete_directory AFTER DELETE ON registry_records
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER registry_claims_insert_directory AFTER INSERT ON registry_claims
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER registry_claims_update_directory AFTER UPDATE ON registry_claims
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER registry_claims_delete_directory AFTER DELETE ON registry_claims
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER profiles_insert_directory AFTER INSERT ON profiles
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER profiles_update_directory AFTER UPDATE ON profiles
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER profiles_delete_directory AFTER DELETE ON profiles
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER connections_insert_directory AFTER INSERT ON connections
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER connections_update_directory AFTER UPDATE ON connections
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER connections_delete_directory AFTER DELETE ON connections
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
END;
