-- staging_rejects: the CSV records DuckDB could not parse, one row per record, kept until
-- validation moves them to quarantine (rule malformed_line). source_row is the file's
-- physical line number of the record's first line (header = line 1); raw_values holds what
-- quarantine keeps of it (b12risk.ingest.stage.malformed_record): its contract columns' texts
-- when its fields align with the header, else its shape (length, lines, fields), never its text.
CREATE OR REPLACE TABLE staging_rejects (
    source_table VARCHAR,
    source_row BIGINT,
    raw_values VARCHAR,
    error_types VARCHAR[]
);
