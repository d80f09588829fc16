-- OMOP person -> patients. Only person_id, gender, year and month of birth and care site are
-- read: day_of_birth, birth_datetime, location and person_source_value never enter. Sex from
-- gender_concept_id (8507 male, 8532 female), else gender_source_value F/M, else U; the
-- practice is care_site_id, else $unknown_practice.
INSERT INTO extract_patients
SELECT omop_token(p.person_id) AS patient_id,
       try_cast(p.year_of_birth AS INTEGER),
       try_cast(p.month_of_birth AS INTEGER),
       CASE WHEN trim(p.gender_concept_id) = '8532' THEN 'F'
            WHEN trim(p.gender_concept_id) = '8507' THEN 'M'
            WHEN upper(trim(p.gender_source_value)) IN ('F', 'M') THEN upper(trim(p.gender_source_value))
            ELSE 'U' END,
       coalesce('S' || try_cast(p.care_site_id AS BIGINT)::VARCHAR, $unknown_practice),
       r.registered_on,
       NULL,
       d.died_on
FROM read_csv($person, all_varchar = true, header = true) AS p
LEFT JOIN omop_registration AS r ON r.patient_id = omop_token(p.person_id)
LEFT JOIN omop_deaths AS d ON d.patient_id = omop_token(p.person_id)
ORDER BY try_cast(p.person_id AS BIGINT);
