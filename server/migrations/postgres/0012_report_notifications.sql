-- 12: a report's status change tells its reporter and its followers. As
-- SQLite's 0022_report_notifications.sql (its comment says why).
ALTER TABLE notifications ADD COLUMN report BIGINT;
