-- population: the people a run looks at, as of the as-of date. Alive (died_on missing or after
-- it), registered (registered_on missing or on/before it; deregistered_on missing or after it)
-- and aged min_age or over. Age is in whole years, the birthday taken as the 1st of
-- month_of_birth, or of default_birth_month when the month is missing or not 1..12; a person
-- with no year_of_birth has no age and is left out.
CREATE OR REPLACE TABLE population AS
WITH current_patients AS (
    SELECT patient_id, practice_id, sex, year_of_birth, month_of_birth,
           CASE WHEN month_of_birth BETWEEN 1 AND 12 THEN month_of_birth
                ELSE $default_birth_month END AS birth_month
    FROM patients
    WHERE (died_on IS NULL OR died_on > $as_of)
      AND (registered_on IS NULL OR registered_on <= $as_of)
      AND (deregistered_on IS NULL OR deregistered_on > $as_of)
),
aged AS (
    SELECT *,
           (year($as_of) - year_of_birth
            - CASE WHEN month($as_of) < birth_month THEN 1 ELSE 0 END)::INTEGER AS age
    FROM current_patients
)
SELECT patient_id, practice_id, sex, year_of_birth, month_of_birth, age
FROM aged
WHERE age >= $min_age;
