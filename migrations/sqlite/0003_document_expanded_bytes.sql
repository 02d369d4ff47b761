-- What a document's changes expand to (decompressed), so that the document limit holds on the
-- expanded size and not only on the compressed saved form. Earlier documents start at 0.
ALTER TABLE documents ADD COLUMN expanded_bytes INTEGER NOT NULL DEFAULT 0;
