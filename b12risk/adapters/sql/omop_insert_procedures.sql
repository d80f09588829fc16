-- Coded procedure events -> procedures.
INSERT INTO extract_procedures
SELECT patient_id, code_system, code, event_date FROM omop_event_codes WHERE code IS NOT NULL;
