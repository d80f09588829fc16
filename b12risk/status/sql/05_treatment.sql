-- status_treatment: the latest B12 treatment (any b12_treatment event, whatever its source
-- table; normally a prescription's issued_on) on or before the as-of date, per patient in scope.
-- The latest date answers both questions screening_status.sql asks: "treated within the
-- lookback?" and "treated on or after the latest test?".
CREATE OR REPLACE TEMP TABLE status_treatment AS
SELECT e.patient_id, max(e.event_date) AS last_treatment_on
FROM concept_events AS e
SEMI JOIN status_scope AS s ON s.patient_id = e.patient_id
WHERE e.concept = 'b12_treatment'
  AND e.event_date <= $as_of
GROUP BY e.patient_id;
