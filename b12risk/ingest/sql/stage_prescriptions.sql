-- staging_prescriptions: the prescriptions file typed (see stage_patients.sql). The file may
-- lack daily_dose_mg: the empty first branch of the union supplies the column (NULL).
CREATE OR REPLACE TABLE staging_prescriptions AS
WITH source AS (
    SELECT NULL::VARCHAR AS daily_dose_mg WHERE false
    UNION ALL BY NAME
    SELECT * FROM staging_source($path, $columns)
),
lenient AS (
    SELECT s.*,
           try_cast(s.issued_on AS DATE) AS issued_on_cast,
           try_cast(s.days_supply AS INTEGER) AS days_supply_cast,
           try_cast(s.daily_dose_mg AS DOUBLE) AS daily_dose_mg_cast
    FROM source AS s
),
typed AS (
    SELECT l.*,
           text_to_date(l.issued_on, l.issued_on_cast) AS issued_on_typed,
           text_to_integer(l.days_supply, l.days_supply_cast) AS days_supply_typed,
           text_to_double(l.daily_dose_mg, l.daily_dose_mg_cast) AS daily_dose_mg_typed
    FROM lenient AS l
)
SELECT patient_id, code_system, code,
       issued_on_typed AS issued_on,
       days_supply_typed AS days_supply,
       daily_dose_mg_typed AS daily_dose_mg,
       CASE WHEN unparsed(issued_on, issued_on_typed)
              OR unparsed(days_supply, days_supply_typed)
              OR unparsed(daily_dose_mg, daily_dose_mg_typed)
            THEN [issued_on, days_supply, daily_dose_mg] END AS source_texts
FROM typed;
