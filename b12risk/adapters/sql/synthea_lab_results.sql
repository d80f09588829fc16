-- Synthea observations.csv -> lab_results (LOINC): numeric values only (text answers such as
-- smoking status are not results), with the unit as written.
INSERT INTO extract_lab_results
SELECT adapter_token(PATIENT), 'LOINC', trim(CODE), adapter_date(DATE),
       try_cast(VALUE AS DOUBLE), nullif(trim(UNITS), '')
FROM read_csv($observations, all_varchar = true, header = true)
WHERE try_cast(VALUE AS DOUBLE) IS NOT NULL;
