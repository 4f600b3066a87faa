-- 3: residents' write limits shared by every instance over one database
-- (`store::limits`, `--shared-limits`), as SQLite's rate-limit migration:
-- token buckets by a hash of their key, and the requests already charged.
-- Times are RFC 3339 text like every other table here. UNLOGGED: an hour's
-- counters are not worth WAL and replication traffic; after a crash
-- PostgreSQL empties the tables, which only hands every device a fresh
-- allowance once.
-- Shipped: never edit; append a new file.

CREATE UNLOGGED TABLE rate_buckets (
    key TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rate_buckets_at ON rate_buckets(at);

CREATE UNLOGGED TABLE rate_charged (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE INDEX rate_charged_at ON rate_charged(at);
