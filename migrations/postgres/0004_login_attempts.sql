-- Sign-in attempts are reserved before the password is checked, so that parallel guesses cannot
-- all read the count before any of them is written. A reservation is forgotten when the password
-- turns out right; until then it counts as a failure.
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt ON login_failures (attempt);

-- One row per limited key, locked for the length of a reservation.
CREATE TABLE login_limits (
    key TEXT PRIMARY KEY
);
