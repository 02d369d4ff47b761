-- Connection codes a provider shares, and the connections they make: a session may name only
-- people connected to its provider.
CREATE TABLE connection_codes (
    code          TEXT PRIMARY KEY,
    provider_id   TEXT NOT NULL REFERENCES users (id),
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT,
    used          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX connection_codes_provider ON connection_codes (provider_id);

CREATE TABLE connections (
    provider_id   TEXT NOT NULL REFERENCES users (id),
    member_id     TEXT NOT NULL REFERENCES users (id),
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (provider_id, member_id)
);
CREATE INDEX connections_member ON connections (member_id);
