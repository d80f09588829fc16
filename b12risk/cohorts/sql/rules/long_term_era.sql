-- long_term_era: a drug-exposure era of the cohort's codelists, taken together as ONE drug
-- class (every codelist, every subtype: switching between a PPI and an H2RA continues an era),
-- of at least $min_era_days that ended no more than $max_days_since_end days before the as-of
-- date (or is still running). Evidence: the qualifying era that ends last.
INSERT INTO cohort_membership BY NAME
SELECT * FROM long_term_era_membership(
    $cohort, $run_id, $concepts, $as_of, $default_days_supply, $max_gap_days,
    $min_era_days, $max_days_since_end
);
