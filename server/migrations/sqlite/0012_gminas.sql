-- 12: many gminas in one deployment (issue 13). The directory of gminas
-- (`gminas`) takes over the single-row `gmina` table; every table whose
-- rows belong to a gmina gets a `gmina` column (its TERYT code), and every
-- existing row is given the existing gmina's code (0223083, Siechnice,
-- when the database never named one). What was unique in the deployment
-- but belongs to a gmina becomes unique per gmina: category ids,
-- department names, OSM ids, idempotency keys, job dedupe keys, localities.
-- Tables whose keys change are rebuilt (SQLite's "make other kinds of
-- table schema changes" procedure; `migrations.rs` runs every step with
-- foreign keys off and checks them before it commits). Ids stay global.
-- Rows of report_followers, report_notes, report_photos and
-- report_visibility_log belong to the gmina of their report; sessions to
-- their user's; the sign-in counters and photos_raw are the deployment's.
-- Shipped: never edit; append a new file.

CREATE TEMP TABLE m12_gmina AS
    SELECT COALESCE((SELECT json_extract(data, '$.teryt') FROM gmina LIMIT 1), '0223083') AS teryt;
-- AUTOINCREMENT counters of the tables rebuilt below, so no id is reused.
CREATE TEMP TABLE m12_sequence AS SELECT name, seq FROM sqlite_sequence;

CREATE TABLE gminas (
    teryt TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    powiat TEXT NOT NULL,
    voivodeship TEXT NOT NULL,
    -- JSON: mm_protocol::geo::Polygon / GeoPoint; NULL until loaded
    boundary TEXT,
    center TEXT,
    -- JSON: mm_protocol::gmina::Branding
    branding TEXT NOT NULL,
    -- JSON: store::directory::GminaSettings (EZD, payments)
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
INSERT INTO gminas (teryt, name, powiat, voivodeship, boundary, center, branding, settings, created_at)
SELECT json_extract(data, '$.teryt'), json_extract(data, '$.name'), '',
       CASE substr(json_extract(data, '$.teryt'), 1, 2)
           WHEN '02' THEN 'dolnośląskie' WHEN '04' THEN 'kujawsko-pomorskie' WHEN '06' THEN 'lubelskie'
           WHEN '08' THEN 'lubuskie' WHEN '10' THEN 'łódzkie' WHEN '12' THEN 'małopolskie'
           WHEN '14' THEN 'mazowieckie' WHEN '16' THEN 'opolskie' WHEN '18' THEN 'podkarpackie'
           WHEN '20' THEN 'podlaskie' WHEN '22' THEN 'pomorskie' WHEN '24' THEN 'śląskie'
           WHEN '26' THEN 'świętokrzyskie' WHEN '28' THEN 'warmińsko-mazurskie' WHEN '30' THEN 'wielkopolskie'
           WHEN '32' THEN 'zachodniopomorskie' ELSE '' END,
       json_extract(data, '$.boundary'), json_extract(data, '$.center'),
       '{"primary_color":"#1565C0","on_primary_color":"#FFFFFF"}', '{}',
       strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z'
FROM gmina LIMIT 1;
DROP TABLE gmina;

-- What belongs to the deployment, not to a gmina: `default_gmina`, the
-- gmina a store opens as (the first one added).
CREATE TABLE deployment (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO deployment (key, value) SELECT 'default_gmina', teryt FROM gminas;

CREATE TABLE settings_new (
    gmina TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (gmina, key)
);
INSERT INTO settings_new (gmina, key, value) SELECT (SELECT teryt FROM temp.m12_gmina), key, value FROM settings;
DROP TABLE settings;
ALTER TABLE settings_new RENAME TO settings;

-- Logins stay unique in the deployment (a login finds its gmina).
ALTER TABLE users ADD COLUMN gmina TEXT NOT NULL DEFAULT '';
UPDATE users SET gmina = (SELECT teryt FROM temp.m12_gmina);
CREATE INDEX users_gmina ON users(gmina, login);

ALTER TABLE devices ADD COLUMN gmina TEXT NOT NULL DEFAULT '';
UPDATE devices SET gmina = (SELECT teryt FROM temp.m12_gmina);
CREATE INDEX devices_gmina ON devices(gmina);

CREATE TABLE idempotency_new (
    gmina TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (gmina, scope, key)
);
INSERT INTO idempotency_new (gmina, scope, key, request_hash, status, response, created_at)
SELECT (SELECT teryt FROM temp.m12_gmina), scope, key, request_hash, status, response, created_at FROM idempotency;
DROP TABLE idempotency;
ALTER TABLE idempotency_new RENAME TO idempotency;
CREATE INDEX idempotency_created ON idempotency(created_at);

CREATE TABLE localities_new (
    gmina TEXT NOT NULL,
    id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (gmina, id)
);
INSERT INTO localities_new (gmina, id, data) SELECT (SELECT teryt FROM temp.m12_gmina), id, data FROM localities;
DROP TABLE localities;
ALTER TABLE localities_new RENAME TO localities;

CREATE TABLE event_categories_new (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    name_pl TEXT NOT NULL,
    name_en TEXT NOT NULL,
    PRIMARY KEY (gmina, id)
);
INSERT INTO event_categories_new (gmina, id, name_pl, name_en)
SELECT (SELECT teryt FROM temp.m12_gmina), id, name_pl, name_en FROM event_categories;

CREATE TABLE events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    category TEXT,
    starts_at TEXT NOT NULL,
    data TEXT NOT NULL,
    FOREIGN KEY (gmina, category) REFERENCES event_categories(gmina, id)
);
INSERT INTO events_new (id, gmina, category, starts_at, data)
SELECT id, (SELECT teryt FROM temp.m12_gmina), category, starts_at, data FROM events;
DROP TABLE events;
DROP TABLE event_categories;
ALTER TABLE event_categories_new RENAME TO event_categories;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_gmina_starts ON events(gmina, starts_at);
CREATE INDEX events_gmina_category ON events(gmina, category);

ALTER TABLE news ADD COLUMN gmina TEXT NOT NULL DEFAULT '';
UPDATE news SET gmina = (SELECT teryt FROM temp.m12_gmina);
CREATE INDEX news_gmina_published ON news(gmina, published_at);

-- One global seq (commit order); a gmina's page is seq > cursor of its rows.
CREATE TABLE public_items_new (
    gmina TEXT NOT NULL,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL UNIQUE,
    body TEXT,
    PRIMARY KEY (gmina, collection, id)
);
INSERT INTO public_items_new (gmina, collection, id, seq, body)
SELECT (SELECT teryt FROM temp.m12_gmina), collection, id, seq, body FROM public_items;
DROP TABLE public_items;
ALTER TABLE public_items_new RENAME TO public_items;
CREATE INDEX public_items_gmina_seq ON public_items(gmina, seq);

ALTER TABLE audit_log ADD COLUMN gmina TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET gmina = (SELECT teryt FROM temp.m12_gmina);
CREATE INDEX audit_log_gmina ON audit_log(gmina, id);

CREATE TABLE report_categories_new (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (gmina, id)
);
INSERT INTO report_categories_new (gmina, id, position, data)
SELECT (SELECT teryt FROM temp.m12_gmina), id, position, data FROM report_categories;

-- A photo's id is its content's hash and its file is shared; the row (who
-- uploaded it) is the gmina's.
CREATE TABLE photos_new (
    gmina TEXT NOT NULL,
    id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (gmina, id)
);
INSERT INTO photos_new (gmina, id, content_type, bytes, width, height, created_at)
SELECT (SELECT teryt FROM temp.m12_gmina), id, content_type, bytes, width, height, created_at FROM photos;
DROP TABLE photos;
ALTER TABLE photos_new RENAME TO photos;
CREATE INDEX photos_created ON photos(created_at);
CREATE INDEX photos_id ON photos(id);

CREATE TABLE departments_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (gmina, name)
);
INSERT INTO departments_new (id, gmina, name, created_at)
SELECT id, (SELECT teryt FROM temp.m12_gmina), name, created_at FROM departments;
DROP TABLE departments;
ALTER TABLE departments_new RENAME TO departments;

CREATE TABLE reports_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id TEXT REFERENCES devices(id),
    duplicate_of INTEGER REFERENCES reports(id),
    private TEXT NOT NULL,
    data TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    visibility TEXT NOT NULL DEFAULT 'public',
    FOREIGN KEY (gmina, category) REFERENCES report_categories(gmina, id)
);
INSERT INTO reports_new (id, gmina, category, status, lat, lon, created_at, updated_at, device_id, duplicate_of,
                         private, data, department_id, assignee_id, visibility)
SELECT id, (SELECT teryt FROM temp.m12_gmina), category, status, lat, lon, created_at, updated_at, device_id,
       duplicate_of, private, data, department_id, assignee_id, visibility
FROM reports;

CREATE TABLE ezd_category_classes_new (
    gmina TEXT NOT NULL,
    category TEXT NOT NULL,
    jrwa TEXT NOT NULL,
    archival_category TEXT NOT NULL DEFAULT 'B5',
    PRIMARY KEY (gmina, category),
    FOREIGN KEY (gmina, category) REFERENCES report_categories(gmina, id)
);
INSERT INTO ezd_category_classes_new (gmina, category, jrwa, archival_category)
SELECT (SELECT teryt FROM temp.m12_gmina), category, jrwa, archival_category FROM ezd_category_classes;

DROP TABLE ezd_category_classes;
DROP TABLE reports;
DROP TABLE report_categories;
ALTER TABLE report_categories_new RENAME TO report_categories;
ALTER TABLE reports_new RENAME TO reports;
ALTER TABLE ezd_category_classes_new RENAME TO ezd_category_classes;
CREATE INDEX reports_gmina_created ON reports(gmina, created_at);
CREATE INDEX reports_gmina_status ON reports(gmina, status);
CREATE INDEX reports_gmina_category ON reports(gmina, category);
CREATE INDEX reports_gmina_lat_lon ON reports(gmina, lat, lon);
CREATE INDEX reports_device ON reports(device_id);
CREATE INDEX reports_department ON reports(department_id);
CREATE INDEX reports_assignee ON reports(assignee_id);

ALTER TABLE ezd_registrations ADD COLUMN gmina TEXT NOT NULL DEFAULT '';
UPDATE ezd_registrations SET gmina = (SELECT teryt FROM temp.m12_gmina);
CREATE INDEX ezd_registrations_gmina_cases ON ezd_registrations(gmina, case_state);

CREATE TABLE places_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    layer TEXT NOT NULL,
    category TEXT NOT NULL,
    osm_id TEXT,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (gmina, osm_id)
);
INSERT INTO places_new (id, gmina, layer, category, osm_id, min_lon, min_lat, max_lon, max_lat, data)
SELECT id, (SELECT teryt FROM temp.m12_gmina), layer, category, osm_id, min_lon, min_lat, max_lon, max_lat, data
FROM places;
DROP TABLE places;
ALTER TABLE places_new RENAME TO places;
CREATE INDEX places_layer ON places(gmina, layer, category);
CREATE INDEX places_category ON places(gmina, category);
CREATE INDEX places_bbox ON places(gmina, min_lon, max_lon);

-- Claimed for every gmina at once (jobs_due); a dedupe key is the gmina's.
CREATE TABLE jobs_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    dedupe_key TEXT,
    waits_for TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (gmina, dedupe_key)
);
INSERT INTO jobs_new (id, gmina, kind, payload, state, attempts, next_attempt_at, last_error, dedupe_key, waits_for,
                      created_at, updated_at)
SELECT id, (SELECT teryt FROM temp.m12_gmina), kind, payload, state, attempts, next_attempt_at, last_error,
       dedupe_key, waits_for, created_at, updated_at
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_due ON jobs(state, next_attempt_at);
CREATE INDEX jobs_gmina ON jobs(gmina, id);

-- The rebuilt tables' counters carry on where they were.
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT s.seq FROM temp.m12_sequence s WHERE s.name = sqlite_sequence.name))
WHERE name IN (SELECT name FROM temp.m12_sequence);
INSERT INTO sqlite_sequence (name, seq)
SELECT name, seq FROM temp.m12_sequence WHERE name NOT IN (SELECT name FROM sqlite_sequence)
  AND name IN ('events', 'departments', 'reports', 'places', 'jobs');

DROP TABLE temp.m12_gmina;
DROP TABLE temp.m12_sequence;
