-- Quarantine the rule failures: each row with every rule it broke and its values as JSON
-- (column -> text: the file's text for text columns and for values that did not parse, the
-- canonical text of values that parsed). JSON is built after the join: failed rows only.
INSERT INTO quarantine
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id,
           'year_of_birth', raw_text(s.year_of_birth, s.year_of_birth_text),
           'month_of_birth', raw_text(s.month_of_birth, s.month_of_birth_text),
           'sex', s.sex,
           'practice_id', s.practice_id,
           'registered_on', raw_text(s.registered_on, s.registered_on_text),
           'deregistered_on', raw_text(s.deregistered_on, s.deregistered_on_text),
           'died_on', raw_text(s.died_on, s.died_on_text)
       )
FROM validation_failures AS f
JOIN staging_patients AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'patients'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'recorded_on', raw_text(s.recorded_on, s.recorded_on_text)
       )
FROM validation_failures AS f
JOIN staging_diagnoses AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'diagnoses'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'issued_on', raw_text(s.issued_on, s.issued_on_text),
           'days_supply', raw_text(s.days_supply, s.days_supply_text),
           'daily_dose_mg', raw_text(s.daily_dose_mg, s.daily_dose_mg_text)
       )
FROM validation_failures AS f
JOIN staging_prescriptions AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'prescriptions'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'taken_on', raw_text(s.taken_on, s.taken_on_text),
           'value', raw_text(s.value, s.value_text),
           'unit', s.unit
       )
FROM validation_failures AS f
JOIN staging_lab_results AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'lab_results'
UNION ALL
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_object(
           'patient_id', s.patient_id, 'code_system', s.code_system, 'code', s.code,
           'performed_on', raw_text(s.performed_on, s.performed_on_text)
       )
FROM validation_failures AS f
JOIN staging_procedures AS s ON s.rowid + 1 = f.source_row
WHERE f.source_table = 'procedures';
