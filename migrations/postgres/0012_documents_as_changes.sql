-- Each session document is stored once, as its changes (Automerge loads the changes one after
-- another as the document), instead of twice (a saved copy beside its changes). Two columns of
-- each change go too: its hash (nothing reads it, and Automerge recomputes it from the bytes)
-- and the device that pushed it (a device pushes only its own actor's changes, and each device
-- has an actor of its own, so `actor_id` names the device).
--
-- `changes` is keyed by (doc_id, seq), the order its rows are read in, instead of by seq with a
-- second index on (doc_id, seq).
UPDATE documents d SET size_bytes = COALESCE((SELECT SUM(LENGTH(c.bytes)) FROM changes c WHERE c.doc_id = d.id), 0);
ALTER TABLE documents DROP COLUMN bytes;
ALTER TABLE changes DROP COLUMN hash;
ALTER TABLE changes DROP COLUMN device_id;
ALTER TABLE changes DROP CONSTRAINT changes_pkey;
ALTER TABLE changes ADD PRIMARY KEY (doc_id, seq);
DROP INDEX changes_doc_seq;
