-- batch_lab_results: the validation batch of lab results (see batch_diagnoses.sql).
SELECT s.patient_id, s.code_system, s.code, s.taken_on, s.value, s.unit,
       s.rowid + 1 AS source_row,
       s.taken_on IS NULL AND s.source_texts[1] IS NOT NULL AS taken_on_unparsed,
       s.value IS NULL AND s.source_texts[2] IS NOT NULL AS value_unparsed,
       p.patient_id IS NOT NULL AS patient_known,
       p.year_of_birth AS patient_year_of_birth,
       f.code IS NULL AS code_format_ok
FROM staging_lab_results AS s
LEFT JOIN loaded_patients AS p ON p.patient_id = s.patient_id
LEFT JOIN code_format_failures AS f ON f.code_system = s.code_system AND f.code = s.code;
