-- concept_events, from one event table ($table, its date column $date_column): every event
-- whose code is in code_matches, dated on or before the as-of date, one row per (event,
-- concept). Point in time: later events never enter. Run once per event table of the
-- contract; the table's own columns among $carried (days_supply, value, unit) come along,
-- the others stay NULL.
INSERT INTO concept_events BY NAME
SELECT m.concept,
       m.subtype,
       $table AS source_table,
       COLUMNS(lambda c: list_contains($carried::VARCHAR[], c)),
       COLUMNS($date_column) AS event_date
FROM query_table($table) AS e
JOIN code_matches AS m USING (code_system, code)
WHERE COLUMNS($date_column) <= $as_of;
