-- Every read of participants by user goes through `participants_user_touched` (user_id,
-- touched_seq), and every read by document through the primary key, so `participants_user`
-- (user_id, doc_id) only cost a third copy of two text ids per participant on disk and on
-- every write.
DROP INDEX participants_user;
