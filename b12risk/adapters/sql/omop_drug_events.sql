-- OMOP drug_exposure -> omop_events, issued at drug_exposure_start_date. days_supply as
-- recorded when 1 or more, else from start to end date; capped to 1..365, else missing.
CREATE OR REPLACE TEMP TABLE omop_events AS
WITH drugs AS (
    SELECT *,
           adapter_date(drug_exposure_start_date) AS start_on,
           adapter_date(drug_exposure_end_date) AS end_on,
           try_cast(days_supply AS INTEGER) AS recorded_days
    FROM read_csv($drug_exposure, all_varchar = true, header = true)
)
SELECT omop_token(person_id) AS patient_id,
       start_on AS event_date,
       try_cast(drug_concept_id AS BIGINT) AS concept_id,
       try_cast(drug_source_concept_id AS BIGINT) AS source_concept_id,
       drug_source_value AS source_value,
       'RXNORM' AS digits_system,
       CASE WHEN recorded_days >= 1 THEN least(recorded_days, 365)
            ELSE CASE WHEN end_on > start_on THEN adapter_days_supply(start_on, end_on) END
       END::INTEGER AS days_supply,
       NULL::DOUBLE AS value, NULL::VARCHAR AS unit
FROM drugs;
