-- staging_source (Parquet): the rows of one file as the text a CSV would hold (see
-- parquet_to_text), in file order. The caller registers the file's contract columns, renamed
-- to their staged names exactly as a CSV header's (b12risk.ingest.parquet_batches), as
-- staging_parquet_stream; p_path and p_columns are unused.
CREATE OR REPLACE TEMP MACRO staging_source(p_path, p_columns) AS TABLE
SELECT parquet_to_text(COLUMNS(*))
FROM staging_parquet_stream;
