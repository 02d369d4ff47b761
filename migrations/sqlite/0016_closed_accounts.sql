-- Accounts their owners closed. A closed account keeps its id, its name and everything others'
-- records rest on (sessions, confirmations, claims, exports); its email and password are erased
-- in `users`, and this row says when.
CREATE TABLE closed_accounts (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    closed_at_ms INTEGER NOT NULL
);
