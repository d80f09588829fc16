-- has_column: one row when the table (table_name) has the column (column_name), any case.
SELECT 1
FROM duckdb_columns()
WHERE table_name = $table_name AND lower(column_name) = lower($column_name);
