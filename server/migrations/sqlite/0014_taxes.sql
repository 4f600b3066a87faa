-- 14: local taxes and payments (issue 14, docs/TAXES.md). Everything here
-- is personal data of a gmina's taxpayers: every table carries `gmina` and
-- nothing of it reaches the publication log.
-- Shipped: never edit; append a new file.

-- Taxpayers as the gmina's tax system states them (`id` is its reference).
CREATE TABLE tax_taxpayers (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (gmina, id)
);

-- One instalment of one decision (mm_protocol::taxes::LiabilityRecord).
CREATE TABLE tax_liabilities (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    taxpayer TEXT NOT NULL,
    -- mm_protocol::taxes::LiabilityKind::as_str
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    instalment INTEGER NOT NULL,
    decision TEXT NOT NULL,
    -- the nominal deadline, YYYY-MM-DD
    due_date TEXT NOT NULL,
    amount_grosze INTEGER NOT NULL,
    -- NRB, 26 digits
    account TEXT NOT NULL,
    -- JSON [BookedPayment]: what the tax system booked, as its last batch said
    payments TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (gmina, id),
    FOREIGN KEY (gmina, taxpayer) REFERENCES tax_taxpayers (gmina, id)
);
CREATE INDEX tax_liabilities_taxpayer ON tax_liabilities (gmina, taxpayer);

-- The dated rules (mm_protocol::taxes::TaxRules); a gmina without rows
-- uses the statutory table, and its first change copies it here first.
CREATE TABLE tax_rates (
    gmina TEXT NOT NULL,
    from_date TEXT NOT NULL,
    basis_points INTEGER NOT NULL,
    PRIMARY KEY (gmina, from_date)
);
CREATE TABLE tax_thresholds (
    gmina TEXT NOT NULL,
    from_date TEXT NOT NULL,
    grosze INTEGER NOT NULL,
    PRIMARY KEY (gmina, from_date)
);

-- Activation codes, only as hashes (taxes::codes::hash_code).
CREATE TABLE tax_activation_codes (
    gmina TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    taxpayer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- a code links one device, once
    used_at TEXT,
    used_by TEXT,
    revoked_at TEXT,
    PRIMARY KEY (gmina, code_hash),
    FOREIGN KEY (gmina, taxpayer) REFERENCES tax_taxpayers (gmina, id)
);
CREATE INDEX tax_activation_codes_taxpayer ON tax_activation_codes (gmina, taxpayer);

-- Which devices see which taxpayers (a household: several per device).
CREATE TABLE tax_device_links (
    gmina TEXT NOT NULL,
    device_id TEXT NOT NULL,
    taxpayer TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (gmina, device_id, taxpayer),
    FOREIGN KEY (gmina, taxpayer) REFERENCES tax_taxpayers (gmina, id)
);
CREATE INDEX tax_device_links_taxpayer ON tax_device_links (gmina, taxpayer);

-- A device's wrong codes, for the lock (activation::MAX_FAILED_TRIES
-- within LOCK_MINUTES); rows older than a day are pruned as new ones come.
CREATE TABLE tax_activation_failures (
    gmina TEXT NOT NULL,
    device_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX tax_activation_failures_device ON tax_activation_failures (gmina, device_id, at);

-- What each import (file or HTTP pull) did; `errors` is JSON
-- [{line, reason}] (reasons never carry the row's data).
CREATE TABLE tax_import_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    taxpayers_created INTEGER NOT NULL,
    taxpayers_updated INTEGER NOT NULL,
    liabilities_created INTEGER NOT NULL,
    liabilities_updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    payments_booked INTEGER NOT NULL,
    errors TEXT NOT NULL DEFAULT '[]',
    refused INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tax_import_runs_gmina ON tax_import_runs (gmina, id);

-- Payments made in the app (crate::store::taxes::PaymentRecord).
CREATE TABLE tax_payments (
    -- a UUID: also the gateway's sessionId and the tax system's reference
    id TEXT PRIMARY KEY,
    gmina TEXT NOT NULL,
    device_id TEXT NOT NULL,
    taxpayer TEXT NOT NULL,
    liability TEXT NOT NULL,
    amount_grosze INTEGER NOT NULL,
    -- 'pending', 'paid', 'failed', 'expired'
    status TEXT NOT NULL,
    provider TEXT NOT NULL,
    gateway_token TEXT,
    gateway_order_id INTEGER,
    failure_reason TEXT,
    flag TEXT,
    booked INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    paid_at TEXT,
    UNIQUE (gmina, device_id, idempotency_key),
    FOREIGN KEY (gmina, liability) REFERENCES tax_liabilities (gmina, id)
);
CREATE INDEX tax_payments_liability ON tax_payments (gmina, liability);
CREATE INDEX tax_payments_status ON tax_payments (gmina, status, created_at);
