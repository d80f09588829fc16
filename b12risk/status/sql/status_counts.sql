-- Patients per screening status (statuses with no patient are absent).
SELECT status, count(*) AS n_patients
FROM screening_status
GROUP BY status;
