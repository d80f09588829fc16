-- table_counts: rows per loaded extract table.
SELECT 'patients' AS source_table, count(*) AS n_rows FROM patients
UNION ALL SELECT 'diagnoses', count(*) FROM diagnoses
UNION ALL SELECT 'prescriptions', count(*) FROM prescriptions
UNION ALL SELECT 'lab_results', count(*) FROM lab_results
UNION ALL SELECT 'procedures', count(*) FROM procedures;
