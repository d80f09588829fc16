-- nitrous_oxide_use: a code of the cohort's codelists as a diagnosis, a procedure or a
-- prescription (ATC).
INSERT INTO cohort_membership BY NAME
SELECT * FROM coded_membership(
    $cohort, $run_id, $concepts, ['diagnoses', 'procedures', 'prescriptions']
);
