-- staging_rejects: the CSV records DuckDB could not parse, one row per record, kept until
-- validation moves them to quarantine (rule malformed_line). source_row is the file's
-- physical line number of the record's first line (header = line 1); raw_line holds the
-- record's text, every line of it when an unterminated quote swallowed the lines after it.
CREATE OR REPLACE TABLE staging_rejects (
    source_table VARCHAR,
    source_row BIGINT,
    raw_line VARCHAR,
    error_types VARCHAR[]
);
