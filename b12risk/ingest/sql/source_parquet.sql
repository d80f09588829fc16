-- staging_source (Parquet): the rows of one file as the text a CSV would hold (see
-- parquet_to_text), in file order. p_columns is unused: Parquet carries its own names.
CREATE OR REPLACE TEMP MACRO staging_source(p_path, p_columns) AS TABLE
SELECT parquet_to_text(COLUMNS(*))
FROM read_parquet(p_path);
