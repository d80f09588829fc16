-- OMOP observation_period -> omop_registration: registered_on = the person's first
-- observation period start. The period's end is not used as deregistration: in a CDM built
-- from EHR data it marks the last recorded event, not the end of a registration.
CREATE OR REPLACE TEMP TABLE omop_registration AS
SELECT omop_token(person_id) AS patient_id,
       min(adapter_date(observation_period_start_date)) AS registered_on
FROM read_csv($observation_period, all_varchar = true, header = true)
GROUP BY ALL;
