-- Whether a supervisee lets her connected providers see her progress (hours counted against her
-- rulebook's requirements). Off until she turns it on.
ALTER TABLE profiles ADD COLUMN share_progress BOOLEAN NOT NULL DEFAULT FALSE;
