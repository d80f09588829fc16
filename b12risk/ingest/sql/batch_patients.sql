-- batch_patients: the validation batch of patients (schemas.extract.batch_columns order):
-- typed columns, source_row, _unparsed flags and patient_id_count.
SELECT patient_id, year_of_birth, month_of_birth, sex, practice_id,
       registered_on, deregistered_on, died_on,
       rowid + 1 AS source_row,
       year_of_birth IS NULL AND source_texts[1] IS NOT NULL AS year_of_birth_unparsed,
       month_of_birth IS NULL AND source_texts[2] IS NOT NULL AS month_of_birth_unparsed,
       registered_on IS NULL AND source_texts[3] IS NOT NULL AS registered_on_unparsed,
       deregistered_on IS NULL AND source_texts[4] IS NOT NULL AS deregistered_on_unparsed,
       died_on IS NULL AND source_texts[5] IS NOT NULL AS died_on_unparsed,
       count(*) OVER (PARTITION BY patient_id) AS patient_id_count
FROM staging_patients;
