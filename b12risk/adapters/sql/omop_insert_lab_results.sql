-- Coded measurement events -> lab_results (a measurement without a number is still a test).
INSERT INTO extract_lab_results
SELECT patient_id, code_system, code, event_date, value, unit
FROM omop_event_codes WHERE code IS NOT NULL;
