-- Quarantine the rule failures: each row with every rule it broke and its values as JSON
-- (column -> text: the file's text for text columns and for values that did not parse, the
-- canonical text of values that parsed). JSON is built after the join: failed rows only.
INSERT INTO quarantine
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id,
           'year_of_birth', raw_text(s.year_of_birth, s.source_texts[1]),
           'month_of_birth', raw_text(s.month_of_birth, s.source_texts[2]),
           'sex', s.sex,
           'practice_id', s.practice_id,
           'registered_on', raw_text(s.registered_on, s.source_texts[3]),
           'deregistered_on', raw_text(s.deregistered_on, s.source_texts[4]),
           'died_on', raw_text(s.died_on, s.source_texts[5])
       )
FROM validation_failures AS f
JOIN staging_patients AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'patients'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'recorded_on', raw_text(s.recorded_on, s.source_texts[1])
       )
FROM validation_failures AS f
JOIN staging_diagnoses AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'diagnoses'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'issued_on', raw_text(s.issued_on, s.source_texts[1]),
           'days_supply', raw_text(s.days_supply, s.source_texts[2]),
           'daily_dose_mg', raw_text(s.daily_dose_mg, s.source_texts[3])
       )
FROM validation_failures AS f
JOIN staging_prescriptions AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'prescriptions'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'taken_on', raw_text(s.taken_on, s.source_texts[1]),
           'value', raw_text(s.value, s.source_texts[2]),
           'unit', s.unit
       )
FROM validation_failures AS f
JOIN staging_lab_results AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'lab_results'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'performed_on', raw_text(s.performed_on, s.source_texts[1])
       )
FROM validation_failures AS f
JOIN staging_procedures AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'procedures';
