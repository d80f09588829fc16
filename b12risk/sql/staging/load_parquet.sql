-- staging_load: one Parquet file as text (see parquet_to_text), source_row = the 1-based row
-- number in the file.
CREATE OR REPLACE TABLE staging_load AS
SELECT file_row_number + 1 AS source_row,
       parquet_to_text(COLUMNS(* EXCLUDE (file_row_number)))
FROM read_parquet($path, file_row_number = true);
