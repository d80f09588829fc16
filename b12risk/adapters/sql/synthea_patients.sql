-- Synthea patients.csv -> patients. Only the id, birth date, death date and gender are read:
-- names, addresses, SSN, driver's licence, passport, birthplace and coordinates never enter.
-- The practice is the organisation of the patient's first encounter ($encounters), else
-- $unknown_practice. Synthea has no registration dates.
INSERT INTO extract_patients
WITH people AS (
    SELECT adapter_token(Id) AS patient_id,
           adapter_date(BIRTHDATE) AS born_on,
           adapter_date(DEATHDATE) AS died_on,
           upper(trim(GENDER)) AS gender
    FROM read_csv($patients, all_varchar = true, header = true)
),
first_organisation AS (
    SELECT adapter_token(PATIENT) AS patient_id,
           arg_min(adapter_token(ORGANIZATION), START) AS practice_id
    FROM read_csv($encounters, all_varchar = true, header = true)
    WHERE adapter_token(ORGANIZATION) IS NOT NULL
    GROUP BY ALL
)
SELECT p.patient_id,
       year(p.born_on)::INTEGER,
       month(p.born_on)::INTEGER,
       CASE WHEN p.gender IN ('F', 'M') THEN p.gender ELSE 'U' END,
       coalesce(o.practice_id, $unknown_practice),
       NULL, NULL,
       p.died_on
FROM people AS p
LEFT JOIN first_organisation AS o USING (patient_id)
ORDER BY p.patient_id;
