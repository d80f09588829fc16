-- staging_prescriptions: the prescriptions file typed (see stage_patients.sql). The file may
-- lack daily_dose_mg: the empty first branch of the union supplies the column (NULL).
CREATE OR REPLACE TABLE staging_prescriptions AS
WITH source AS (
    SELECT NULL::VARCHAR AS daily_dose_mg WHERE false
    UNION ALL BY NAME
    SELECT * FROM staging_source($path, $columns)
),
typed AS (
    SELECT s.*,
           text_to_date(s.issued_on) AS issued_on_typed,
           text_to_integer(s.days_supply) AS days_supply_typed,
           text_to_double(s.daily_dose_mg) AS daily_dose_mg_typed
    FROM source AS s
)
SELECT patient_id, code_system, code,
       issued_on_typed AS issued_on,
       days_supply_typed AS days_supply,
       daily_dose_mg_typed AS daily_dose_mg,
       unparsed_text(issued_on, issued_on_typed) AS issued_on_text,
       unparsed_text(days_supply, days_supply_typed) AS days_supply_text,
       unparsed_text(daily_dose_mg, daily_dose_mg_typed) AS daily_dose_mg_text
FROM typed;
