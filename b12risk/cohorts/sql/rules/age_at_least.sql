-- age_at_least: everyone in the population aged $min_age or over at the as-of date.
INSERT INTO cohort_membership BY NAME
SELECT patient_id, $cohort AS cohort, concat('age >= ', $min_age) AS rule, $run_id AS run_id
FROM population
WHERE age >= $min_age;
