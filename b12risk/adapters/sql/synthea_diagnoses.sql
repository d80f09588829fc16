-- Synthea conditions.csv -> diagnoses (SNOMED CT), dated at the condition's START.
INSERT INTO extract_diagnoses
SELECT adapter_token(PATIENT), 'SNOMED', trim(CODE), adapter_date(START)
FROM read_csv($conditions, all_varchar = true, header = true);
