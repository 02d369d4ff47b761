-- One-time password reset codes that association staff issue (the server sends no email). One
-- outstanding code per account; only its hash is kept.
CREATE TABLE password_resets (
    user_id       TEXT PRIMARY KEY REFERENCES users (id),
    code_hash     BYTEA NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms    BIGINT
);
