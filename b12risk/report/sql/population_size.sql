-- population_size: the first attrition step (the whole eligible population) of this run.
SELECT n_patients FROM cohort_attrition ORDER BY step LIMIT 1;
