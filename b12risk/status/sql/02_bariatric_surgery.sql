-- status_bariatric_surgery: the bariatric surgery date of each member of the $bomss_cohort
-- cohort who has one: the earliest event on or before the as-of date of that cohort's codelists
-- ($bomss_concepts) whose subtype is $bomss_subtype. Gastrectomy and ileal resection codes are not
-- bariatric and do not count. The earliest event, because a later "bariatric surgery status"
-- record or complication of the same surgery must not restart the post-surgery schedule.
CREATE OR REPLACE TEMP TABLE status_bariatric_surgery AS
SELECT e.patient_id, min(e.event_date) AS surgery_on
FROM concept_events AS e
SEMI JOIN status_scope AS s ON s.patient_id = e.patient_id
SEMI JOIN cohort_membership AS m ON m.patient_id = e.patient_id AND m.cohort = $bomss_cohort
WHERE list_contains($bomss_concepts::VARCHAR[], e.concept)
  AND e.subtype = $bomss_subtype
  AND e.event_date <= $as_of
GROUP BY e.patient_id;
