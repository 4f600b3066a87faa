-- 6: the map's places (infrastructure, attractions, monuments, bike paths).
-- Shipped: never edit; append a new file.

CREATE TABLE places (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    layer TEXT NOT NULL,
    category TEXT NOT NULL,
    -- "node/123", "way/45": the import's key (idempotent on OSM ids).
    osm_id TEXT UNIQUE,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX places_layer ON places(layer, category);
CREATE INDEX places_category ON places(category);
CREATE INDEX places_bbox ON places(min_lon, max_lon);
