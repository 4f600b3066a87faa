-- 12: residents' write limits shared by every instance over one database
-- (`store::limits`, `--shared-limits`). Token buckets by a hash of their
-- key (a device or a client address, never stored as such), and the
-- requests already charged (a retry passes free). A row older than an hour
-- says nothing a missing row would not (a bucket refills within the hour),
-- so `purge_limits` deletes it.
-- Shipped: never edit; append a new file.

CREATE TABLE rate_buckets (
    key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX rate_buckets_at ON rate_buckets(at);

CREATE TABLE rate_charged (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX rate_charged_at ON rate_charged(at);
