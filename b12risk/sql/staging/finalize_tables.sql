-- The checked tables become the warehouse's extract tables: rows that broke a rule go (they
-- are in quarantine), the helper columns go, and each keeps exactly the contract's columns.
DELETE FROM parsed_patients
WHERE source_row IN (SELECT source_row FROM validation_failures WHERE source_table = 'patients');
DELETE FROM parsed_diagnoses
WHERE source_row IN (SELECT source_row FROM validation_failures WHERE source_table = 'diagnoses');
DELETE FROM parsed_prescriptions
WHERE source_row IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'prescriptions'
);
DELETE FROM parsed_lab_results
WHERE source_row IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'lab_results'
);
DELETE FROM parsed_procedures
WHERE source_row IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'procedures'
);
DROP VIEW IF EXISTS loaded_patients;
ALTER TABLE parsed_patients DROP COLUMN source_row;
ALTER TABLE parsed_patients DROP COLUMN year_of_birth_unparsed;
ALTER TABLE parsed_patients DROP COLUMN month_of_birth_unparsed;
ALTER TABLE parsed_patients DROP COLUMN registered_on_unparsed;
ALTER TABLE parsed_patients DROP COLUMN deregistered_on_unparsed;
ALTER TABLE parsed_patients DROP COLUMN died_on_unparsed;
ALTER TABLE parsed_patients DROP COLUMN patient_id_count;
ALTER TABLE parsed_diagnoses DROP COLUMN source_row;
ALTER TABLE parsed_diagnoses DROP COLUMN recorded_on_unparsed;
ALTER TABLE parsed_prescriptions DROP COLUMN source_row;
ALTER TABLE parsed_prescriptions DROP COLUMN issued_on_unparsed;
ALTER TABLE parsed_prescriptions DROP COLUMN days_supply_unparsed;
ALTER TABLE parsed_prescriptions DROP COLUMN daily_dose_mg_unparsed;
ALTER TABLE parsed_lab_results DROP COLUMN source_row;
ALTER TABLE parsed_lab_results DROP COLUMN taken_on_unparsed;
ALTER TABLE parsed_lab_results DROP COLUMN value_unparsed;
ALTER TABLE parsed_procedures DROP COLUMN source_row;
ALTER TABLE parsed_procedures DROP COLUMN performed_on_unparsed;
ALTER TABLE parsed_diagnoses DROP COLUMN patient_known;
ALTER TABLE parsed_prescriptions DROP COLUMN patient_known;
ALTER TABLE parsed_lab_results DROP COLUMN patient_known;
ALTER TABLE parsed_procedures DROP COLUMN patient_known;
ALTER TABLE parsed_diagnoses DROP COLUMN patient_year_of_birth;
ALTER TABLE parsed_prescriptions DROP COLUMN patient_year_of_birth;
ALTER TABLE parsed_lab_results DROP COLUMN patient_year_of_birth;
ALTER TABLE parsed_procedures DROP COLUMN patient_year_of_birth;
ALTER TABLE parsed_diagnoses DROP COLUMN code_format_ok;
ALTER TABLE parsed_prescriptions DROP COLUMN code_format_ok;
ALTER TABLE parsed_lab_results DROP COLUMN code_format_ok;
ALTER TABLE parsed_procedures DROP COLUMN code_format_ok;
DROP TABLE IF EXISTS patients;
DROP TABLE IF EXISTS diagnoses;
DROP TABLE IF EXISTS prescriptions;
DROP TABLE IF EXISTS lab_results;
DROP TABLE IF EXISTS procedures;
ALTER TABLE parsed_patients RENAME TO patients;
ALTER TABLE parsed_diagnoses RENAME TO diagnoses;
ALTER TABLE parsed_prescriptions RENAME TO prescriptions;
ALTER TABLE parsed_lab_results RENAME TO lab_results;
ALTER TABLE parsed_procedures RENAME TO procedures;
