-- 19: SMS codes of verified-person consultations (issue 15 §7 item 6,
-- docs/CONSULTATIONS.md "Verified persons"), as 0016's budget_sms_codes
-- for a consultation: `id` the request id (UUID), `respondent_key` the
-- person's key under the consultation's secret (the code proves that
-- person's phone only), `code_hash` SHA-256 of the request id and the
-- 6-digit code (`budget::identity::sms_code_hash`). No phone and no
-- device: the phone's rate limit is a bucket named by an HMAC. 10
-- minutes, 5 wrong tries lock it, used once; deleted a day after expiry
-- (when the next code is issued).
-- Shipped: never edit; append a new file.
CREATE TABLE consultation_sms_codes (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    consultation INTEGER NOT NULL,
    respondent_key BLOB NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at TEXT,
    PRIMARY KEY (gmina, id),
    FOREIGN KEY (gmina, consultation) REFERENCES consultations (gmina, id)
) WITHOUT ROWID;
CREATE INDEX consultation_sms_codes_expiry ON consultation_sms_codes (expires_at);
