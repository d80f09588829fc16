-- gap_counts: patients of screening_status per cohort and status, overall and by practice, age
-- band and sex (long form: one row per cohort x breakdown x group x status). Every patient counts
-- once in each of their cohorts and once in $any_cohort. Age bands: the band whose lower age
-- ($age_band_starts, with labels $age_band_labels) is the highest not above the patient's age.
-- Missing practice, sex or age is counted under $unknown, never dropped.
WITH age_bands AS (
    SELECT unnest($age_band_starts) AS lower_age, unnest($age_band_labels) AS label
),
at_risk AS (
    SELECT s.patient_id,
           coalesce(s.practice_id, $unknown) AS practice_id,
           coalesce(s.sex, $unknown) AS sex,
           coalesce(b.label, $unknown) AS age_band,
           s.status,
           list_distinct(coalesce(s.cohorts, [])) AS cohorts
    FROM screening_status AS s
    ASOF LEFT JOIN age_bands AS b ON s.age >= b.lower_age
),
memberships AS (
    SELECT unnest(cohorts) AS cohort, practice_id, sex, age_band, status FROM at_risk
    UNION ALL
    SELECT $any_cohort, practice_id, sex, age_band, status FROM at_risk
)
SELECT cohort,
       CASE WHEN grouping(practice_id) = 0 THEN 'practice'
            WHEN grouping(age_band) = 0 THEN 'age_band'
            WHEN grouping(sex) = 0 THEN 'sex'
            ELSE 'overall' END AS breakdown,
       CASE WHEN grouping(practice_id) = 0 THEN practice_id
            WHEN grouping(age_band) = 0 THEN age_band
            WHEN grouping(sex) = 0 THEN sex
            ELSE 'all' END AS "group",
       status,
       count(*) AS n
FROM memberships
GROUP BY GROUPING SETS (
    (cohort, status),
    (cohort, practice_id, status),
    (cohort, age_band, status),
    (cohort, sex, status)
)
ORDER BY ALL;
