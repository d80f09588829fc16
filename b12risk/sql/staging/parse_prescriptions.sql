-- parsed_prescriptions: staged prescriptions typed, with the helper columns the rules read
-- (see parse_diagnoses.sql). daily_dose_mg is always there: staging adds it (empty) when the
-- file lacks it. Column order is schemas.extract.batch_columns('prescriptions').
CREATE OR REPLACE TABLE parsed_prescriptions AS
WITH typed AS (
    SELECT s.*,
           text_to_date(s.issued_on) AS issued_on_typed,
           text_to_integer(s.days_supply) AS days_supply_typed,
           text_to_double(s.daily_dose_mg) AS daily_dose_mg_typed
    FROM staging_prescriptions AS s
)
SELECT t.patient_id, t.code_system, t.code,
       t.issued_on_typed AS issued_on,
       t.days_supply_typed AS days_supply,
       t.daily_dose_mg_typed AS daily_dose_mg,
       t.source_row,
       t.issued_on IS NOT NULL AND t.issued_on_typed IS NULL AS issued_on_unparsed,
       t.days_supply IS NOT NULL AND t.days_supply_typed IS NULL AS days_supply_unparsed,
       t.daily_dose_mg IS NOT NULL AND t.daily_dose_mg_typed IS NULL AS daily_dose_mg_unparsed,
       p.patient_id IS NOT NULL AS patient_known,
       p.year_of_birth AS patient_year_of_birth,
       f.code IS NULL AS code_format_ok
FROM typed AS t
LEFT JOIN loaded_patients AS p ON p.patient_id = t.patient_id
LEFT JOIN code_format_failures AS f ON f.code_system = t.code_system AND f.code = t.code;
