-- The checked staging tables become the warehouse's extract tables: rows that broke a rule
-- go (they are in quarantine), source_texts goes, and each table keeps
-- exactly the contract's columns.
DELETE FROM staging_patients
WHERE rowid + 1 IN (SELECT source_row FROM validation_failures WHERE source_table = 'patients');
DELETE FROM staging_diagnoses
WHERE rowid + 1 IN (SELECT source_row FROM validation_failures WHERE source_table = 'diagnoses');
DELETE FROM staging_prescriptions
WHERE rowid + 1 IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'prescriptions'
);
DELETE FROM staging_lab_results
WHERE rowid + 1 IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'lab_results'
);
DELETE FROM staging_procedures
WHERE rowid + 1 IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'procedures'
);
DROP VIEW IF EXISTS loaded_patients;
ALTER TABLE staging_patients DROP COLUMN source_texts;
ALTER TABLE staging_diagnoses DROP COLUMN source_texts;
ALTER TABLE staging_prescriptions DROP COLUMN source_texts;
ALTER TABLE staging_lab_results DROP COLUMN source_texts;
ALTER TABLE staging_procedures DROP COLUMN source_texts;
DROP TABLE IF EXISTS patients;
DROP TABLE IF EXISTS diagnoses;
DROP TABLE IF EXISTS prescriptions;
DROP TABLE IF EXISTS lab_results;
DROP TABLE IF EXISTS procedures;
ALTER TABLE staging_patients RENAME TO patients;
ALTER TABLE staging_diagnoses RENAME TO diagnoses;
ALTER TABLE staging_prescriptions RENAME TO prescriptions;
ALTER TABLE staging_lab_results RENAME TO lab_results;
ALTER TABLE staging_procedures RENAME TO procedures;
