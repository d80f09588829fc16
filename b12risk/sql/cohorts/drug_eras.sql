-- drug_eras: every era of the concepts, for inspection and tests (b12risk.eras).
SELECT patient_id, era_start, era_end, era_days, era_prescriptions
FROM drug_eras($concepts, $as_of, $default_days_supply, $max_gap_days)
ORDER BY patient_id, era_start;
