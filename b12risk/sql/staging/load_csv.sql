-- staging_load: one CSV (or gzip-compressed CSV) file as text, every column VARCHAR, in file
-- order, with source_row = the 1-based number of the row among the rows that parsed (the
-- caller sets preserve_insertion_order so row_number() follows the file). The columns
-- parameter names every header column (file order). Lines that do not parse go to the TEMP
-- reject tables.
DROP TABLE IF EXISTS staging_load_errors;
DROP TABLE IF EXISTS staging_load_scans;
CREATE OR REPLACE TABLE staging_load AS
SELECT row_number() OVER () AS source_row, *
FROM read_csv(
    $path,
    columns = $columns,
    all_varchar = true,
    header = true,
    auto_detect = false,
    delim = ',',
    quote = '"',
    escape = '"',
    encoding = 'utf-8',
    store_rejects = true,
    rejects_table = 'staging_load_errors',
    rejects_scan = 'staging_load_scans',
    rejects_limit = 0
);
