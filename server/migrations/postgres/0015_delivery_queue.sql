-- 15: a sender's claim walks the notification's unsent deliveries in id
-- order and stops at its batch (`store/postgres/notifications.rs`
-- `claim_deliveries`). With only (notification, status) it read every
-- unsent row and sorted them for each batch of 256: quadratic in the
-- audience (25,000 devices, issue 16's benchmark). A sent row's new
-- version has no entry here (vacuum clears the old one): the queue only.
CREATE INDEX notification_deliveries_due
    ON notification_deliveries (notification, id) WHERE status IN ('pending', 'sending');
