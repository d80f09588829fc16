-- table_exists: whether a table or view named $table_name is on the connection.
SELECT count(*) > 0
FROM (
    SELECT table_name AS name FROM duckdb_tables()
    UNION ALL
    SELECT view_name FROM duckdb_views()
)
WHERE name = $table_name;
