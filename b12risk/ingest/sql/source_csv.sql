-- staging_source (CSV and gzip-compressed CSV): the rows of one file as text, every column
-- VARCHAR, in file order. p_columns names every header column in file order. Lines that do
-- not parse go to the TEMP reject tables staging_load_errors / staging_load_scans.
-- buffer_size: an explicit 16 MiB keeps this order-preserving load writing its row groups
-- as it goes; with DuckDB 2.0's default, the 1M-patient lab_results file (8 M rows) was
-- written twice, the second time by the next checkpoint (+1.3 s; docs/benchmarks.md).
CREATE OR REPLACE TEMP MACRO staging_source(p_path, p_columns) AS TABLE
SELECT *
FROM read_csv(
    p_path,
    columns = p_columns,
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
    rejects_limit = 0,
    buffer_size = 16777216
);
