-- The database's epoch: a random value that `rsc-server restore` (or `restored`) replaces. A
-- device that sees it change knows the server came back from a backup, and sends again what
-- the server may have lost.
CREATE TABLE epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value TEXT NOT NULL
);
INSERT INTO epoch (id, value) VALUES (1, md5(random()::text || clock_timestamp()::text));
