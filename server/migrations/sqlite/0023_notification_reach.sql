-- 23: the fan-out's recipients read from indexes alone (issue 16's
-- benchmark: 25,000 devices under 50 ms). A gmina's subscriptions with
-- what the resolution reads of each (`store/sqlite/notifications.rs`
-- `candidates`), and a gmina's device ids for those that never set one
-- (the index on gmina alone is covered by it).
CREATE INDEX notification_subscriptions_gmina
    ON notification_subscriptions (gmina, device_id, whole_gmina, quiet_from, quiet_to);
CREATE INDEX devices_gmina_id ON devices (gmina, id);
DROP INDEX devices_gmina;
