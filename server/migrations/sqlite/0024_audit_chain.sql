-- The audit log as a hash chain per gmina (issue 17, item 5;
-- server/src/audit/chain.rs): each entry's place in its gmina's chain,
-- the previous entry's hash and its own, SHA-256 as 64 hex digits. NULL
-- only until migration 24's Rust step chains the rows already here.
ALTER TABLE audit_log ADD COLUMN chain_seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
