-- Write one converted table ($table, an extract_* table) to $path as CSV (header, comma,
-- empty = missing, dates YYYY-MM-DD), sorted on every column so a source gives the same bytes.
-- Returns the row count.
COPY (SELECT * FROM query_table($table) ORDER BY ALL) TO $path (FORMAT csv, HEADER true);
