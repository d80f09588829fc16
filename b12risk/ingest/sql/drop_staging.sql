-- Everything staging and validation build on the way, none of it part of the warehouse.
DROP VIEW IF EXISTS loaded_patients;
DROP TABLE IF EXISTS staging_load_errors;
DROP TABLE IF EXISTS staging_load_scans;
DROP TABLE IF EXISTS staging_rejects;
DROP TABLE IF EXISTS staging_patients;
DROP TABLE IF EXISTS staging_diagnoses;
DROP TABLE IF EXISTS staging_prescriptions;
DROP TABLE IF EXISTS staging_lab_results;
DROP TABLE IF EXISTS staging_procedures;
DROP TABLE IF EXISTS validation_failures;
DROP TABLE IF EXISTS code_format_failures;
