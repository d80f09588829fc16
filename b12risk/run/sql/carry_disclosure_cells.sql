-- disclosure_cells (history), carried from the published warehouse (attached read-only as
-- 'published') into the next one, whose disclosure_cells was just created from its
-- declaration: by column name ($columns are the declared ones), as the other history tables.
INSERT INTO disclosure_cells BY NAME
SELECT COLUMNS(lambda c: list_contains($columns::VARCHAR[], c))
FROM published.disclosure_cells;
