-- coded: anyone in the population with a code of the cohort's codelists ($concepts) in one of
-- the cohort's source tables ($sources, from the config). Evidence: the earliest such event.
INSERT INTO cohort_membership BY NAME
SELECT * FROM coded_membership($cohort, $run_id, $concepts, $sources::VARCHAR[]);
