-- Coded condition events -> diagnoses.
INSERT INTO extract_diagnoses
SELECT patient_id, code_system, code, event_date FROM omop_event_codes WHERE code IS NOT NULL;
