-- reject_records: DuckDB's reject errors of the last CSV load, one row per rejected record
-- (a record can break several checks), with its first byte (1-based) for line numbering.
SELECT line,
       min(line_byte_position) AS byte_position,
       max(csv_line) AS raw_line,
       list(DISTINCT CAST(error_type AS VARCHAR) ORDER BY CAST(error_type AS VARCHAR)) AS error_types
FROM staging_load_errors
GROUP BY line
ORDER BY line;
