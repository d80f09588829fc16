-- Write one export view ($view, from export_views.sql) to $path as $format (csv: header, comma,
-- empty = missing), ordered so that a seed gives byte-identical files. Returns the row count.
COPY (
    SELECT * EXCLUDE (sort_pidx, sort_date, sort_rk)
    FROM query_table($view)
    ORDER BY sort_pidx, sort_date, sort_rk
) TO $path (FORMAT $format);
