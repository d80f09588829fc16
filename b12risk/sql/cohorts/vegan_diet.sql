-- vegan_diet: any code of the cohort's codelists, in any table of the extract.
INSERT INTO cohort_membership BY NAME
SELECT * FROM coded_membership(
    $cohort, $run_id, $concepts, ['diagnoses', 'procedures', 'prescriptions', 'lab_results']
);
