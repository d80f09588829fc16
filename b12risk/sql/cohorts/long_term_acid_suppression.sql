-- long_term_acid_suppression: as long_term_metformin, over PPIs and H2RAs as ONE drug class
-- (every codelist of the cohort, every subtype), so switching between them continues an era.
INSERT INTO cohort_membership BY NAME
SELECT * FROM long_term_era_membership(
    $cohort, $run_id, $concepts, $as_of, $default_days_supply, $max_gap_days,
    $min_era_days, $max_days_since_end
);
