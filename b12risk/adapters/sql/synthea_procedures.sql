-- Synthea procedures.csv -> procedures (SNOMED CT), performed at START.
INSERT INTO extract_procedures
SELECT adapter_token(PATIENT), 'SNOMED', trim(CODE), adapter_date(START)
FROM read_csv($procedures, all_varchar = true, header = true);
