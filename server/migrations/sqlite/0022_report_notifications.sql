-- 22: a report's status change tells its reporter and its followers
-- (issue 16: residents expect a push "when their report changes").
-- `report`: the notification is about that report, and its recipients are
-- the report's reporter (topic my_reports) and followers (followed_reports)
-- instead of the gmina's subscribers; NULL for an official's broadcast.
ALTER TABLE notifications ADD COLUMN report INTEGER;
