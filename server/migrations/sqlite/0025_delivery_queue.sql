-- 25: a sender's claim walks the notification's unsent deliveries in id
-- order and stops at its batch (`store/sqlite/notifications.rs`
-- `claim_deliveries`). With only (notification, status) it read every
-- unsent row and sorted them for each batch of 256: quadratic in the
-- audience (25,000 devices, issue 16's benchmark). Sent rows leave this
-- index, so it holds only the queue.
CREATE INDEX notification_deliveries_due
    ON notification_deliveries (notification, id) WHERE status IN ('pending', 'sending');
