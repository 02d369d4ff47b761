-- Whether the person provides RS/C to others: some renewals ask more training of providers
-- (CT-AIMH: 3 of the 15 yearly hours about RS/C). No until she says so.
ALTER TABLE profiles ADD COLUMN provides_rsc BOOLEAN NOT NULL DEFAULT FALSE;
