-- identifier_screen: per file and screened column (patient_id, practice_id), how many distinct
-- values have each shape of a real identifier (identifier_shapes.sql). Counts only: no value
-- leaves this query. patient_id is screened in the patients file, and in each event file for
-- the ids no patient row has (those would be quarantined with their texts); practice_id in the
-- patients file.
WITH screened AS (
    SELECT 'patients' AS table_name, 'patient_id' AS column_name, patient_id AS value
    FROM staging_patients
    UNION ALL
    SELECT 'patients', 'practice_id', practice_id FROM staging_patients
    UNION ALL
    SELECT 'diagnoses', 'patient_id', patient_id
    FROM staging_diagnoses ANTI JOIN staging_patients USING (patient_id)
    UNION ALL
    SELECT 'prescriptions', 'patient_id', patient_id
    FROM staging_prescriptions ANTI JOIN staging_patients USING (patient_id)
    UNION ALL
    SELECT 'lab_results', 'patient_id', patient_id
    FROM staging_lab_results ANTI JOIN staging_patients USING (patient_id)
    UNION ALL
    SELECT 'procedures', 'patient_id', patient_id
    FROM staging_procedures ANTI JOIN staging_patients USING (patient_id)
),

distinct_values AS (
    SELECT DISTINCT table_name, column_name, trim(value) AS value
    FROM screened
    WHERE trim(value) <> ''
),

judged AS (
    SELECT table_name,
           column_name,
           nhs_number_shaped(value) AS nhs_number,
           email_shaped(value) AS email,
           phone_shaped(value) AS phone,
           ssn_shaped(value) AS ssn,
           name_date_shaped(value) AS name_date
    FROM distinct_values
),

final AS (
    SELECT table_name,
           column_name,
           count(*) AS n_values,
           count(*) FILTER (WHERE nhs_number) AS n_nhs_number,
           count(*) FILTER (WHERE email) AS n_email,
           count(*) FILTER (WHERE phone) AS n_phone,
           count(*) FILTER (WHERE ssn) AS n_ssn,
           count(*) FILTER (WHERE name_date) AS n_name_date
    FROM judged
    GROUP BY table_name, column_name
)

SELECT * FROM final ORDER BY table_name, column_name
