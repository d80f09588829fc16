-- staged_counts: per table, the rows staged and the malformed records set aside while
-- staging: together, the records read from the file.
SELECT t.source_table, t.n_staged, coalesce(r.n_rejected, 0) AS n_rejected
FROM (
    SELECT 'patients' AS source_table, count(*) AS n_staged FROM staging_patients
    UNION ALL SELECT 'diagnoses', count(*) FROM staging_diagnoses
    UNION ALL SELECT 'prescriptions', count(*) FROM staging_prescriptions
    UNION ALL SELECT 'lab_results', count(*) FROM staging_lab_results
    UNION ALL SELECT 'procedures', count(*) FROM staging_procedures
) AS t
LEFT JOIN (
    SELECT source_table, count(*) AS n_rejected FROM staging_rejects GROUP BY source_table
) AS r USING (source_table);
