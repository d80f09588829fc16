-- Per-table reconciliation counts of one run (one statement per table, bound by name).
UPDATE runs SET
    patients_read = $patients_read, patients_loaded = $patients_loaded,
    patients_quarantined = $patients_quarantined,
    diagnoses_read = $diagnoses_read, diagnoses_loaded = $diagnoses_loaded,
    diagnoses_quarantined = $diagnoses_quarantined,
    prescriptions_read = $prescriptions_read, prescriptions_loaded = $prescriptions_loaded,
    prescriptions_quarantined = $prescriptions_quarantined,
    lab_results_read = $lab_results_read, lab_results_loaded = $lab_results_loaded,
    lab_results_quarantined = $lab_results_quarantined,
    procedures_read = $procedures_read, procedures_loaded = $procedures_loaded,
    procedures_quarantined = $procedures_quarantined
WHERE run_id = $run_id;
