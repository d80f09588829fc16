-- OMOP measurement -> omop_events, taken at measurement_date, with value_as_number and the
-- unit as written (unit_source_value, else the unit concept's code).
CREATE OR REPLACE TEMP TABLE omop_events AS
SELECT omop_token(m.person_id) AS patient_id,
       adapter_date(m.measurement_date) AS event_date,
       try_cast(m.measurement_concept_id AS BIGINT) AS concept_id,
       try_cast(m.measurement_source_concept_id AS BIGINT) AS source_concept_id,
       m.measurement_source_value AS source_value,
       'SNOMED' AS digits_system,
       NULL::INTEGER AS days_supply,
       try_cast(m.value_as_number AS DOUBLE) AS value,
       coalesce(nullif(trim(m.unit_source_value), ''), u.concept_code) AS unit
FROM read_csv($measurement, all_varchar = true, header = true) AS m
LEFT JOIN omop_known_concepts AS u
       ON u.concept_id = try_cast(m.unit_concept_id AS BIGINT)
      AND try_cast(m.unit_concept_id AS BIGINT) <> 0;
