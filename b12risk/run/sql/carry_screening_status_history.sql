-- screening_status_history (history), carried from the published warehouse (attached read-only as 'published') into
-- the next one, whose screening_status_history was just created from its declaration: by column name, so a column
-- declared since that warehouse was written stays NULL for its rows, and a column no longer
-- declared ($columns are the declared ones) is left behind.
INSERT INTO screening_status_history BY NAME
SELECT COLUMNS(lambda c: list_contains($columns::VARCHAR[], c))
FROM published.screening_status_history;
