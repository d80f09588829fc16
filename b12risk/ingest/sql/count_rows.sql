-- count_rows: the number of rows of the table named by the table_name parameter.
SELECT count(*) FROM query_table($table_name);
