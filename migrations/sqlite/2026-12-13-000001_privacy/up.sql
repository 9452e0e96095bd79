-- Personal data (SPEC §13, issue 34): the version of the privacy notice a citizen giving a
-- contact was shown (the day is the item's received_date).
ALTER TABLE feedback ADD COLUMN notice_version TEXT;
