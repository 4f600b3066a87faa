-- 9: SMS codes of verified-person consultations, as SQLite's
-- 0019_consultation_sms.sql (its comments say what each column is).
-- Shipped: never edit; append a new file.
CREATE TABLE consultation_sms_codes (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    consultation BIGINT NOT NULL,
    respondent_key BYTEA NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at TEXT,
    PRIMARY KEY (gmina, id),
    FOREIGN KEY (gmina, consultation) REFERENCES consultations (gmina, id) DEFERRABLE
);
CREATE INDEX consultation_sms_codes_expiry ON consultation_sms_codes (expires_at);
