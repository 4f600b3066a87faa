-- 13: the fan-out's recipients read from indexes alone. As SQLite's
-- 0023_notification_reach.sql (its comment says why).
CREATE INDEX notification_subscriptions_gmina
    ON notification_subscriptions (gmina, device_id) INCLUDE (whole_gmina, quiet_from, quiet_to);
CREATE INDEX devices_gmina_id ON devices (gmina, id);
DROP INDEX devices_gmina;
