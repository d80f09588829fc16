-- OMOP procedure_occurrence -> omop_events, performed at procedure_date.
CREATE OR REPLACE TEMP TABLE omop_events AS
SELECT omop_token(person_id) AS patient_id,
       adapter_date(procedure_date) AS event_date,
       try_cast(procedure_concept_id AS BIGINT) AS concept_id,
       try_cast(procedure_source_concept_id AS BIGINT) AS source_concept_id,
       procedure_source_value AS source_value,
       'SNOMED' AS digits_system,
       NULL::INTEGER AS days_supply, NULL::DOUBLE AS value, NULL::VARCHAR AS unit
FROM read_csv($procedure_occurrence, all_varchar = true, header = true);
