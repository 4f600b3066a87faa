-- 15: the participatory budget's editions, pools and projects (issue 15,
-- docs/BUDGET.md). Ballots and the one-vote register are in 0016.
-- Ids are global (AUTOINCREMENT, never reused), every row carries `gmina`;
-- the composite UNIQUE (gmina, id) lets children reference their parent
-- within the same gmina only.
-- Shipped: never edit; append a new file.

-- One edition: its dated phases (RFC 3339, UTC) and the council's rules as
-- settings (JSON mm_protocol::budget::model::EditionSettings; no secret
-- is a setting: the identity key lives outside the database).
CREATE TABLE budget_editions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    submission_from TEXT NOT NULL,
    submission_to TEXT NOT NULL,
    verification_to TEXT NOT NULL,
    appeal_to TEXT NOT NULL,
    voting_from TEXT NOT NULL,
    voting_to TEXT NOT NULL,
    settings TEXT NOT NULL,
    published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (gmina, id)
);
CREATE INDEX budget_editions_gmina ON budget_editions (gmina, year);

-- A pool: gmina-wide or one area (localities), its amount in whole złoty
-- as grosze, and how it is counted (JSON count::CountingRule). `lot` is
-- the tie-breaking order drawn before counting (JSON [project id]).
CREATE TABLE budget_pools (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    edition INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    amount_grosze INTEGER NOT NULL,
    localities TEXT NOT NULL DEFAULT '[]',
    residents INTEGER NOT NULL DEFAULT 0,
    signatures_required INTEGER NOT NULL DEFAULT 0,
    counting TEXT NOT NULL,
    lot TEXT,
    lot_drawn_by TEXT,
    lot_drawn_at TEXT,
    UNIQUE (gmina, id),
    FOREIGN KEY (gmina, edition) REFERENCES budget_editions (gmina, id)
);
CREATE INDEX budget_pools_edition ON budget_pools (gmina, edition, position);

-- A project. Public: everything but `proposer_device` and `contact`
-- (JSON, the proposer's name and means of contact for the department).
-- `verification` is the department's assessment (JSON: legal, feasible,
-- estimate, department); `number` its number on the ballot.
CREATE TABLE budget_projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    edition INTEGER NOT NULL,
    pool INTEGER NOT NULL,
    number INTEGER,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    cost_grosze INTEGER NOT NULL,
    category TEXT NOT NULL,
    location TEXT,
    photos TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    reason TEXT,
    verification TEXT,
    proposer_device TEXT,
    contact TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (gmina, id),
    FOREIGN KEY (gmina, edition) REFERENCES budget_editions (gmina, id),
    FOREIGN KEY (gmina, pool) REFERENCES budget_pools (gmina, id)
);
CREATE INDEX budget_projects_pool ON budget_projects (gmina, edition, pool, status);
CREATE INDEX budget_projects_proposer ON budget_projects (gmina, proposer_device);

-- The public history of a project: each status change with its note.
-- `actor` (an official's login) is for the audit trail, not published.
CREATE TABLE budget_project_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    project INTEGER NOT NULL,
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    actor TEXT,
    FOREIGN KEY (gmina, project) REFERENCES budget_projects (gmina, id)
);
CREATE INDEX budget_project_history_project ON budget_project_history (gmina, project, id);

-- Residents' support for a submitted project (art. 5a ust. 7 pkt 1: at
-- most 0.1 % of the pool's residents may be required). `signer_key` is the
-- HMAC of the signer's normalised identity, as the ballots' voter key.
CREATE TABLE budget_signatures (
    gmina TEXT NOT NULL,
    project INTEGER NOT NULL,
    signer_key BLOB NOT NULL,
    channel TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (gmina, project, signer_key),
    FOREIGN KEY (gmina, project) REFERENCES budget_projects (gmina, id)
) WITHOUT ROWID;

-- A pool's count: the rule, the SHA-256 of its input (ballots and lot),
-- the outcome and the trace explaining each step (JSON). Recounts before
-- publication add rows; the latest counts.
CREATE TABLE budget_counts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    edition INTEGER NOT NULL,
    pool INTEGER NOT NULL,
    rule TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL,
    trace TEXT NOT NULL,
    counted_by TEXT NOT NULL,
    counted_at TEXT NOT NULL,
    FOREIGN KEY (gmina, pool) REFERENCES budget_pools (gmina, id)
);
CREATE INDEX budget_counts_pool ON budget_counts (gmina, edition, pool, id);
