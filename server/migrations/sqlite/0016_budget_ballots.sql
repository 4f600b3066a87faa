-- 16: the participatory budget's ballots and the one-vote register
-- (issue 15, docs/plans/issue-15.md §2.2). No identity is stored: a voter
-- is the HMAC of their normalised identity under the edition's secret
-- (`budget::identity`, key outside the database), a phone the same.
-- Shipped: never edit; append a new file.

-- Every ballot and paper card. `state` counted | void_duplicate |
-- refused_duplicate | replaced; only counted ones are counted. `device`
-- the voting device (online), `entered_by` the official who typed a paper
-- card. `idem_key`/`request_hash`: the device's Idempotency-Key and its
-- request's hash. `receipt_hash`: SHA-256 of the receipt code.
CREATE TABLE budget_ballots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    edition INTEGER NOT NULL,
    voter_key BLOB,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    device TEXT,
    entered_by TEXT,
    residence_declared INTEGER NOT NULL,
    receipt_hash TEXT,
    idem_key TEXT,
    request_hash TEXT,
    cast_at TEXT NOT NULL,
    changed_at TEXT,
    UNIQUE (gmina, id),
    FOREIGN KEY (gmina, edition) REFERENCES budget_editions (gmina, id)
);
CREATE INDEX budget_ballots_voter ON budget_ballots (gmina, edition, voter_key);
CREATE INDEX budget_ballots_device ON budget_ballots (gmina, edition, device);
CREATE INDEX budget_ballots_receipt ON budget_ballots (gmina, edition, receipt_hash);
CREATE UNIQUE INDEX budget_ballots_idem ON budget_ballots (gmina, edition, device, idem_key)
    WHERE idem_key IS NOT NULL;

-- The one-vote register: the only arbiter of "one vote per person per
-- edition". Its primary key decides between concurrent casts (INSERT ...
-- ON CONFLICT DO NOTHING: one wins). `state` counted | void (VoidAll: the
-- person voted twice, every ballot void); `ballot` the counted ballot.
CREATE TABLE budget_register (
    gmina TEXT NOT NULL,
    edition INTEGER NOT NULL,
    voter_key BLOB NOT NULL,
    state TEXT NOT NULL,
    ballot INTEGER,
    phone_key BLOB,
    first_channel TEXT NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (gmina, edition, voter_key),
    FOREIGN KEY (gmina, edition) REFERENCES budget_editions (gmina, id),
    -- Checked at COMMIT: the row is inserted first, to decide, then its ballot.
    FOREIGN KEY (gmina, ballot) REFERENCES budget_ballots (gmina, id) DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;

-- A ballot's choices: one row per project (points 1 for approval).
CREATE TABLE budget_ballot_choices (
    gmina TEXT NOT NULL,
    ballot INTEGER NOT NULL,
    pool INTEGER NOT NULL,
    project INTEGER NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (gmina, ballot, project),
    FOREIGN KEY (gmina, ballot) REFERENCES budget_ballots (gmina, id),
    FOREIGN KEY (gmina, pool) REFERENCES budget_pools (gmina, id),
    FOREIGN KEY (gmina, project) REFERENCES budget_projects (gmina, id)
) WITHOUT ROWID;
CREATE INDEX budget_ballot_choices_project ON budget_ballot_choices (gmina, pool, project);

-- How many voters cast with one phone in an edition (Wrocław's cap, R§3).
CREATE TABLE budget_phones (
    gmina TEXT NOT NULL,
    edition INTEGER NOT NULL,
    phone_key BLOB NOT NULL,
    voters INTEGER NOT NULL,
    PRIMARY KEY (gmina, edition, phone_key),
    FOREIGN KEY (gmina, edition) REFERENCES budget_editions (gmina, id)
) WITHOUT ROWID;

-- SMS codes: `id` the request id (UUID), `code_hash` SHA-256 of the
-- request id and the 6-digit code (`budget::identity::sms_code_hash`);
-- 10 minutes, 5 wrong tries lock it, used once. Deleted a day after
-- they expire.
CREATE TABLE budget_sms_codes (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    edition INTEGER NOT NULL,
    phone_key BLOB NOT NULL,
    voter_key BLOB NOT NULL,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at TEXT,
    device TEXT,
    PRIMARY KEY (gmina, id),
    FOREIGN KEY (gmina, edition) REFERENCES budget_editions (gmina, id)
) WITHOUT ROWID;
CREATE INDEX budget_sms_codes_phone ON budget_sms_codes (gmina, edition, phone_key, created_at);
CREATE INDEX budget_sms_codes_expiry ON budget_sms_codes (expires_at);
