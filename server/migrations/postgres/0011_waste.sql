-- 11 (SQLite 0021): the waste-collection schedule (harmonogram odbioru odpadów, issue 16,
-- docs/WASTE.md): per gmina, the zones, the address rules, the dated
-- pickups, the "what goes where" dictionary and the PSZOK, as the last
-- import stated them. An import replaces each kind it carries in one
-- transaction (`store/waste.rs`).
-- Shipped: never edit; append a new file.

-- When the gmina last imported (the ICS DTSTAMP, the schedule's `updated_at`).
CREATE TABLE waste_schedules (
    gmina TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE waste_zones (
    gmina TEXT NOT NULL,
    zone TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (gmina, zone)
);

-- `n` keeps the import's order; `locality_key` is `normalise_name(locality)`,
-- so an address's rules are one indexed read. House numbers as written by
-- `HouseNumber`'s Display (`12a`); `parity` all | odd | even; `building`
-- any | single | multi.
CREATE TABLE waste_rules (
    gmina TEXT NOT NULL,
    n BIGINT NOT NULL,
    locality TEXT NOT NULL,
    locality_key TEXT NOT NULL,
    street TEXT,
    number_from TEXT,
    number_to TEXT,
    parity TEXT NOT NULL,
    building TEXT NOT NULL,
    zone TEXT NOT NULL,
    PRIMARY KEY (gmina, n),
    FOREIGN KEY (gmina, zone) REFERENCES waste_zones (gmina, zone) ON DELETE CASCADE DEFERRABLE
);
CREATE INDEX waste_rules_locality ON waste_rules (gmina, locality_key);
CREATE INDEX waste_rules_zone ON waste_rules (gmina, zone);

-- `fraction` is `Fraction::code` (`custom:<label>` for a gmina's own).
CREATE TABLE waste_pickups (
    gmina TEXT NOT NULL,
    zone TEXT NOT NULL,
    date TEXT NOT NULL,
    fraction TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (gmina, zone, date, fraction),
    FOREIGN KEY (gmina, zone) REFERENCES waste_zones (gmina, zone) ON DELETE CASCADE DEFERRABLE
);

CREATE TABLE waste_dictionary (
    gmina TEXT NOT NULL,
    n BIGINT NOT NULL,
    item TEXT NOT NULL,
    fraction TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (gmina, n)
);

-- `accepts` a JSON array of strings.
CREATE TABLE waste_pszok (
    gmina TEXT NOT NULL,
    n BIGINT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    opening_hours TEXT NOT NULL,
    accepts TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (gmina, n)
);
