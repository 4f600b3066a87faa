-- 20: notifications that reach the phone (issue 16, docs/plans/issue-16.md
-- §2): what each device subscribes to, how it is reached (its push
-- registration), the notifications officials send, and one delivery per
-- (notification, device), which is also the device's feed.
-- Shipped: never edit; append a new file.

-- A device's subscription (`Subscription` JSON in `data`, as the device
-- sent it). A device without a row has the default subscription: every
-- topic, the whole gmina, no quiet hours (`Subscription::new_device`).
-- `whole_gmina` = no areas; `quiet_from`/`quiet_to` its quiet hours
-- (HH:MM:SS, Europe/Warsaw). The topics, event categories and areas are
-- copied out below, so recipients are chosen by SQL.
CREATE TABLE notification_subscriptions (
    device_id TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    gmina TEXT NOT NULL,
    data TEXT NOT NULL,
    quiet_from TEXT,
    quiet_to TEXT,
    whole_gmina INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE notification_subscription_topics (
    device_id TEXT NOT NULL REFERENCES notification_subscriptions (device_id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    PRIMARY KEY (device_id, topic)
) WITHOUT ROWID;
CREATE INDEX notification_subscription_topics_topic ON notification_subscription_topics (topic, device_id);

CREATE TABLE notification_subscription_categories (
    device_id TEXT NOT NULL REFERENCES notification_subscriptions (device_id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    PRIMARY KEY (device_id, category)
) WITHOUT ROWID;

-- `kind` locality (`locality` set) | around (`lat`, `lon`, `radius_m` set).
CREATE TABLE notification_subscription_areas (
    device_id TEXT NOT NULL REFERENCES notification_subscriptions (device_id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    kind TEXT NOT NULL,
    locality INTEGER,
    lat REAL,
    lon REAL,
    radius_m INTEGER,
    PRIMARY KEY (device_id, n),
    CHECK ((kind = 'locality' AND locality IS NOT NULL) OR (kind = 'around' AND lat IS NOT NULL AND lon IS NOT NULL AND radius_m IS NOT NULL))
) WITHOUT ROWID;

-- How the server reaches a device: `transport` apns | fcm | web_push and the
-- `PushRegistration` JSON (tokens and endpoints are capabilities: never
-- logged, never in an export). A dead token removes the row; the device
-- keeps its subscription and its feed.
CREATE TABLE push_registrations (
    device_id TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    gmina TEXT NOT NULL,
    transport TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A notification an official sent (or an alert news item made). `status`
-- scheduled (until `send_at`) | sent (recipients chosen: `recipients`) |
-- cancelled. `link` and `areas` JSON (`Link`, `[Area]`).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    class TEXT NOT NULL,
    topic TEXT NOT NULL,
    event_category TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    areas TEXT NOT NULL,
    send_at TEXT NOT NULL,
    status TEXT NOT NULL,
    recipients INTEGER,
    sent_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (gmina, id)
);
CREATE INDEX notifications_list ON notifications (gmina, created_at);

-- One per (notification, device): the primary key makes a repeated fan-out
-- (a job retried after a crash) add nothing. `id` orders a device's feed
-- (the feed's cursor): the fan-outs of a gmina are serialised, so a later
-- `id` is never committed before an earlier one. `transport` NULL: the
-- device has no push registration, the feed is all it gets. `status`
-- pending (to push, not before `not_before`: quiet hours) | delivered |
-- failed | dead | feed. `read_at`: opened in the app.
CREATE TABLE notification_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gmina TEXT NOT NULL,
    notification INTEGER NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    transport TEXT,
    status TEXT NOT NULL,
    not_before TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at TEXT,
    read_at TEXT,
    UNIQUE (notification, device_id),
    FOREIGN KEY (gmina, notification) REFERENCES notifications (gmina, id)
);
CREATE INDEX notification_deliveries_feed ON notification_deliveries (device_id, id);
CREATE INDEX notification_deliveries_status ON notification_deliveries (notification, status);
