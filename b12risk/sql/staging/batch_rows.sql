-- batch_rows: the validation batch of one table (parsed_<table>), every column, streamed.
SELECT * FROM query_table($table_name);
