-- quarantine_scrub_candidates: quarantine rows, carried from earlier runs, that may hold a value
-- of a column outside the contract: a malformed line kept as its raw text (as releases before
-- issue 9.3 kept it), or a JSON object with a key that is neither a contract column of its
-- table nor a key of a malformed line's shape. $tables and $allowed pair each table with the
-- keys its rows may hold. Run before this run's rows are added: only carried rows are read.
WITH allowed AS (
    SELECT unnest($tables::VARCHAR[]) AS source_table,
           unnest($allowed::VARCHAR[][]) AS keys
),

kept AS (
    SELECT q.rowid AS row_id, q.source_table, q.raw_values, a.keys
    FROM quarantine AS q
    LEFT JOIN allowed AS a USING (source_table)
    WHERE q.raw_values IS NOT NULL
),

final AS (
    SELECT row_id, source_table, raw_values
    FROM kept
    WHERE keys IS NULL
       OR NOT json_valid(raw_values)
       OR json_type(raw_values) <> 'OBJECT'
       OR NOT list_has_all(keys, json_keys(raw_values))
)

SELECT * FROM final
