-- parsed_patients: staged patients with typed values (NULL where the text is not a valid
-- value) and the helper columns the rules read (schemas/rules.py); column order is
-- schemas.extract.batch_columns('patients'). After validation the failed rows and helper
-- columns go and the table becomes `patients` (finalize_tables.sql).
CREATE OR REPLACE TABLE parsed_patients AS
WITH typed AS (
    SELECT s.*,
           text_to_integer(s.year_of_birth) AS year_of_birth_typed,
           text_to_integer(s.month_of_birth) AS month_of_birth_typed,
           text_to_date(s.registered_on) AS registered_on_typed,
           text_to_date(s.deregistered_on) AS deregistered_on_typed,
           text_to_date(s.died_on) AS died_on_typed
    FROM staging_patients AS s
)
SELECT patient_id,
       year_of_birth_typed AS year_of_birth,
       month_of_birth_typed AS month_of_birth,
       sex,
       practice_id,
       registered_on_typed AS registered_on,
       deregistered_on_typed AS deregistered_on,
       died_on_typed AS died_on,
       source_row,
       year_of_birth IS NOT NULL AND year_of_birth_typed IS NULL AS year_of_birth_unparsed,
       month_of_birth IS NOT NULL AND month_of_birth_typed IS NULL AS month_of_birth_unparsed,
       registered_on IS NOT NULL AND registered_on_typed IS NULL AS registered_on_unparsed,
       deregistered_on IS NOT NULL AND deregistered_on_typed IS NULL AS deregistered_on_unparsed,
       died_on IS NOT NULL AND died_on_typed IS NULL AS died_on_unparsed,
       count(*) OVER (PARTITION BY patient_id) AS patient_id_count
FROM typed;
