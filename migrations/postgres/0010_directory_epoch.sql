-- A version of everything a device's directory and profile are made of, except the providers
-- each user attended (read per user, one indexed row set): the users' names, their devices'
-- keys, the registry's records and claims, profiles and connections. Each write to one of
-- these, in whatever process, raises it in the writing transaction, so that a server keeps a
-- user's account version for as long as it stands and answers an idle sync with one lookup.
-- These tables are written by people and staff (sign-ins, claims, connections), never by a
-- sync's commit, so the one row is never contended by document writes.
CREATE TABLE directory_epoch (
    id    SMALLINT PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO directory_epoch (id, value) VALUES (1, 0);

CREATE FUNCTION directory_epoch_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE directory_epoch SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_directory AFTER UPDATE OF display_name OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();

CREATE TRIGGER devices_directory AFTER INSERT OR DELETE OR UPDATE OF public_key, revoked_at_ms ON devices
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();

CREATE TRIGGER registry_records_directory AFTER INSERT OR UPDATE OR DELETE ON registry_records
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();

CREATE TRIGGER registry_claims_directory AFTER INSERT OR UPDATE OR DELETE ON registry_claims
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();

CREATE TRIGGER profiles_directory AFTER INSERT OR UPDATE OR DELETE ON profiles
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();

CREATE TRIGGER connections_directory AFTER INSERT OR UPDATE OR DELETE ON connections
    FOR EACH STATEMENT EXECUTE FUNCTION directory_epoch_raise();
