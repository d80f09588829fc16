-- gastric_surgery: a code of the cohort's codelists recorded as a procedure or a diagnosis.
INSERT INTO cohort_membership BY NAME
SELECT * FROM coded_membership($cohort, $run_id, $concepts, ['procedures', 'diagnoses']);
