-- Every table and view of the run's warehouse file with its columns, to describe them
-- (COMMENT ON) from their declarations at publication.
SELECT table_name, list(column_name ORDER BY column_index) AS columns
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
GROUP BY table_name;
