-- The latest date anywhere in the converted extract: the default extract date.
SELECT max(d) AS latest
FROM (
    SELECT max(greatest(registered_on, deregistered_on, died_on)) AS d FROM extract_patients
    UNION ALL SELECT max(recorded_on) FROM extract_diagnoses
    UNION ALL SELECT max(issued_on) FROM extract_prescriptions
    UNION ALL SELECT max(taken_on) FROM extract_lab_results
    UNION ALL SELECT max(performed_on) FROM extract_procedures
    UNION ALL SELECT max(make_date(year_of_birth, coalesce(month_of_birth, 1), 1))
              FROM extract_patients
);
