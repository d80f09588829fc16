-- status_due: when each patient in scope is next due a test.
-- Interval policy: due_on = last_test_on + interval_days (NULL when never tested).
-- BOMSS 2020 option ($bariatric_schedule), for patients with a bariatric surgery date
-- (status_bariatric_surgery): the schedule points are surgery_on + $bomss_months (3, 6 and 12
-- months; a month end clamps, 31 Aug + 6 months = 28/29 Feb); the BOMSS due date is the first
-- point strictly after the latest test, or after the surgery when never tested. After the last
-- point the patient is yearly, which the interval policy already says.
-- due_on = the earlier of the two: the shortest applies.
CREATE OR REPLACE TEMP TABLE status_due AS
WITH anchors AS (
    SELECT s.patient_id, s.interval_days, b.surgery_on, t.last_test_on
    FROM status_scope AS s
    LEFT JOIN status_latest_test AS t ON t.patient_id = s.patient_id
    LEFT JOIN status_bariatric_surgery AS b ON b.patient_id = s.patient_id
),
schedule_points AS (
    SELECT a.patient_id, a.surgery_on, a.last_test_on,
           (a.surgery_on + to_months(m.months))::DATE AS point_on
    FROM anchors AS a
    CROSS JOIN (SELECT unnest($bomss_months::INTEGER[]) AS months) AS m
    WHERE $bariatric_schedule::BOOLEAN AND a.surgery_on IS NOT NULL
),
bomss AS (
    SELECT patient_id, min(point_on) AS bomss_due_on
    FROM schedule_points
    WHERE point_on > coalesce(last_test_on, surgery_on)
    GROUP BY patient_id
)
SELECT a.patient_id,
       least(a.last_test_on + a.interval_days, b.bomss_due_on) AS due_on
FROM anchors AS a
LEFT JOIN bomss AS b ON b.patient_id = a.patient_id;
