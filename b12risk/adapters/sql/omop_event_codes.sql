-- The code of each OMOP event in omop_events (patient_id, event_date, concept_id,
-- source_concept_id, source_value, digits_system, days_supply, value, unit): the standard concept when its vocabulary is one the contract
-- knows, else the source concept, else -- only when neither concept id is in concept.csv --
-- the source value when it looks like a code. Events with none of these are left out.
CREATE OR REPLACE TEMP TABLE omop_event_codes AS
SELECT e.patient_id, e.event_date, e.days_supply, e.value, e.unit,
       coalesce(s.code_system, sc.code_system,
                CASE WHEN ks.concept_id IS NULL AND kc.concept_id IS NULL
                     THEN omop_guess_system(e.source_value, e.digits_system) END) AS code_system,
       coalesce(s.code, sc.code,
                CASE WHEN ks.concept_id IS NULL AND kc.concept_id IS NULL
                      AND omop_guess_system(e.source_value, e.digits_system) IS NOT NULL
                     THEN trim(e.source_value) END) AS code
FROM omop_events AS e
LEFT JOIN omop_codes AS s ON s.concept_id = e.concept_id AND e.concept_id <> 0
LEFT JOIN omop_codes AS sc ON sc.concept_id = e.source_concept_id AND e.source_concept_id <> 0
LEFT JOIN (SELECT DISTINCT concept_id FROM omop_known_concepts) AS ks
       ON ks.concept_id = e.concept_id AND e.concept_id <> 0
LEFT JOIN (SELECT DISTINCT concept_id FROM omop_known_concepts) AS kc
       ON kc.concept_id = e.source_concept_id AND e.source_concept_id <> 0;
