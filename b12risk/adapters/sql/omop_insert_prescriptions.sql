-- Coded drug events -> prescriptions.
INSERT INTO extract_prescriptions
SELECT patient_id, code_system, code, event_date, days_supply
FROM omop_event_codes WHERE code IS NOT NULL;
