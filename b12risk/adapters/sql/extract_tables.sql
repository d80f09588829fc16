-- The five contract tables (extract contract v1), empty, typed, in the contract's column order.
-- Each adapter inserts into them; a source without a table leaves it empty (header only).
CREATE OR REPLACE TEMP TABLE extract_patients (
    patient_id VARCHAR, year_of_birth INTEGER, month_of_birth INTEGER, sex VARCHAR,
    practice_id VARCHAR, registered_on DATE, deregistered_on DATE, died_on DATE
);
CREATE OR REPLACE TEMP TABLE extract_diagnoses (
    patient_id VARCHAR, code_system VARCHAR, code VARCHAR, recorded_on DATE
);
CREATE OR REPLACE TEMP TABLE extract_prescriptions (
    patient_id VARCHAR, code_system VARCHAR, code VARCHAR, issued_on DATE, days_supply INTEGER
);
CREATE OR REPLACE TEMP TABLE extract_lab_results (
    patient_id VARCHAR, code_system VARCHAR, code VARCHAR, taken_on DATE, value DOUBLE,
    unit VARCHAR
);
CREATE OR REPLACE TEMP TABLE extract_procedures (
    patient_id VARCHAR, code_system VARCHAR, code VARCHAR, performed_on DATE
);
