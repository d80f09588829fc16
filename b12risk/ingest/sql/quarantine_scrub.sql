-- quarantine_scrub: replace the raw_values of the rows quarantine_scrub_candidates found with
-- what may be kept of them (quarantine_scrubbed, registered by the caller: row_id, raw_values).
UPDATE quarantine
SET raw_values = s.raw_values
FROM quarantine_scrubbed AS s
WHERE quarantine.rowid = s.row_id
