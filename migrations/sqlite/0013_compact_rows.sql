-- Smaller rows for each session. `documents.size_bytes` and `updated_at_ms` go: nothing reads
-- them. (Postgres also packs ids and indexes participants by session alone in its 0013; SQLite
-- keeps ids as text, see `rsc-store/src/keys.rs`.)
ALTER TABLE documents DROP COLUMN size_bytes;
ALTER TABLE documents DROP COLUMN updated_at_ms;
