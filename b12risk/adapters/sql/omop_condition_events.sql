-- OMOP condition_occurrence -> omop_events, dated at condition_start_date.
CREATE OR REPLACE TEMP TABLE omop_events AS
SELECT omop_token(person_id) AS patient_id,
       adapter_date(condition_start_date) AS event_date,
       try_cast(condition_concept_id AS BIGINT) AS concept_id,
       try_cast(condition_source_concept_id AS BIGINT) AS source_concept_id,
       condition_source_value AS source_value,
       'SNOMED' AS digits_system,
       NULL::INTEGER AS days_supply, NULL::DOUBLE AS value, NULL::VARCHAR AS unit
FROM read_csv($condition_occurrence, all_varchar = true, header = true);
