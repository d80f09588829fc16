-- Synthea patients.csv -> patients when there is no encounters.csv: every patient gets
-- $unknown_practice. Only the id, birth date, death date and gender are read.
INSERT INTO extract_patients
SELECT adapter_token(Id),
       year(adapter_date(BIRTHDATE))::INTEGER,
       month(adapter_date(BIRTHDATE))::INTEGER,
       CASE WHEN upper(trim(GENDER)) IN ('F', 'M') THEN upper(trim(GENDER)) ELSE 'U' END,
       $unknown_practice,
       NULL, NULL,
       adapter_date(DEATHDATE)
FROM read_csv($patients, all_varchar = true, header = true)
ORDER BY 1;
