-- autoimmune_conditions: a code of the cohort's codelists as a diagnosis or a procedure.
INSERT INTO cohort_membership BY NAME
SELECT * FROM coded_membership($cohort, $run_id, $concepts, ['diagnoses', 'procedures']);
