-- batch_prescriptions: the validation batch of prescriptions (see batch_diagnoses.sql).
SELECT s.patient_id, s.code_system, s.code, s.issued_on, s.days_supply, s.daily_dose_mg,
       s.rowid + 1 AS source_row,
       s.issued_on IS NULL AND s.source_texts[1] IS NOT NULL AS issued_on_unparsed,
       s.days_supply IS NULL AND s.source_texts[2] IS NOT NULL AS days_supply_unparsed,
       s.daily_dose_mg IS NULL AND s.source_texts[3] IS NOT NULL AS daily_dose_mg_unparsed,
       p.patient_id IS NOT NULL AS patient_known,
       p.year_of_birth AS patient_year_of_birth,
       f.code IS NULL AS code_format_ok
FROM staging_prescriptions AS s
LEFT JOIN loaded_patients AS p ON p.patient_id = s.patient_id
LEFT JOIN code_format_failures AS f ON f.code_system = s.code_system AND f.code = s.code;
