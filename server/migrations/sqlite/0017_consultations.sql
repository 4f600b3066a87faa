-- 17: consultations (surveys) of residents (issue 15, docs/plans/issue-15.md
-- §4; R§5 for the anonymous mode). A respondent is the HMAC of their
-- device id (or verified identity) under the consultation's own key
-- (`respondent_key`, computed outside the database); nothing else about
-- them is stored.
-- Shipped: never edit; append a new file.

-- A consultation's definition: `data` is the `Consultation` JSON (its `id`
-- and `status` are this row's columns, which win). `status` draft | open |
-- closed | published; `opens_at`/`closes_at` copied out for listing.
CREATE TABLE consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (gmina, id)
);
CREATE INDEX consultations_list ON consultations (gmina, status, opens_at);

-- Who has answered: the only arbiter of "one answer per respondent". Its
-- primary key decides between concurrent answers (INSERT ... ON CONFLICT
-- DO NOTHING: one wins). No time and no response id: in anonymous mode
-- nothing here leads to the answer. `idem_key`/`request_hash`: the
-- device's Idempotency-Key and its request's hash, so a retry of the same
-- request is told apart from a second answer. WITHOUT ROWID: rows are
-- ordered by the key, not by when they were written.
CREATE TABLE consultation_respondents (
    gmina TEXT NOT NULL,
    consultation INTEGER NOT NULL,
    respondent_key BLOB NOT NULL,
    idem_key TEXT,
    request_hash TEXT,
    PRIMARY KEY (gmina, consultation, respondent_key),
    FOREIGN KEY (gmina, consultation) REFERENCES consultations (gmina, id)
) WITHOUT ROWID;

-- The answers (`answers`: the canonical `NormalAnswers` JSON). `id` a
-- random UUID v4, so WITHOUT ROWID keeps the rows in random order, not in
-- the order they came. Anonymous (LimeSurvey's "anonymized responses"):
-- `submitted_on` the local date only, no respondent key, no time. Not
-- anonymous: `respondent_key` and `submitted_at` kept, `submitted_on` NULL.
-- The CHECK keeps the two shapes apart.
CREATE TABLE consultation_responses (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    consultation INTEGER NOT NULL,
    submitted_on TEXT,
    submitted_at TEXT,
    respondent_key BLOB,
    answers TEXT NOT NULL,
    PRIMARY KEY (gmina, id),
    FOREIGN KEY (gmina, consultation) REFERENCES consultations (gmina, id),
    CHECK ((respondent_key IS NULL AND submitted_at IS NULL AND submitted_on IS NOT NULL)
        OR (respondent_key IS NOT NULL AND submitted_at IS NOT NULL AND submitted_on IS NULL))
) WITHOUT ROWID;
CREATE INDEX consultation_responses_of ON consultation_responses (gmina, consultation);

-- Free-text answers for moderation (Decidim publishes approved ones only,
-- R§5): `state` pending | approved | rejected; `id` a random UUID v4 (no
-- arrival order). The text is also in its response's `answers`, which
-- only officials read (CSV export).
CREATE TABLE consultation_texts (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    consultation INTEGER NOT NULL,
    response TEXT NOT NULL,
    question TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    moderated_by TEXT,
    moderated_at TEXT,
    PRIMARY KEY (gmina, id),
    FOREIGN KEY (gmina, consultation) REFERENCES consultations (gmina, id),
    FOREIGN KEY (gmina, response) REFERENCES consultation_responses (gmina, id)
) WITHOUT ROWID;
CREATE INDEX consultation_texts_state ON consultation_texts (gmina, consultation, state);
