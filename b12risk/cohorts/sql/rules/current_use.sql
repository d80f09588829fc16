-- current_use: a prescription of the cohort's codelists whose covered period reaches into the
-- $max_days_since_cover days before the as-of date. Evidence: the latest such prescription.
INSERT INTO cohort_membership BY NAME
SELECT * FROM current_use_membership(
    $cohort, $run_id, $concepts, $as_of, $default_days_supply, $max_days_since_cover
);
