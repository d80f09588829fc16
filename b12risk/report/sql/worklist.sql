-- worklist: patient-level rows for practices' recall lists (SENSITIVE: written only on request).
-- Patients whose status is in $statuses, in that order of priority, then by due date; with the
-- evidence that put them in each cohort, from cohort_membership (rule, code, date, drug era).
WITH evidence AS (
    SELECT patient_id,
           string_agg(
               cohort || ': ' || rule
               || CASE WHEN evidence_code IS NOT NULL
                       THEN ' (' || coalesce(evidence_code_system || ' ', '') || evidence_code
                            || coalesce(' on ' || strftime(evidence_date, '%Y-%m-%d'), '') || ')'
                       ELSE coalesce(' (' || strftime(evidence_date, '%Y-%m-%d') || ')', '') END
               || CASE WHEN era_start IS NOT NULL
                       THEN ' era ' || strftime(era_start, '%Y-%m-%d') || ' to '
                            || coalesce(strftime(era_end, '%Y-%m-%d'), '?')
                            || coalesce(', ' || era_days || ' days', '')
                            || coalesce(', ' || era_prescriptions || ' prescriptions', '')
                       ELSE '' END,
               '; ' ORDER BY cohort, rule, evidence_date
           ) AS evidence
    FROM cohort_membership
    GROUP BY patient_id
)
SELECT s.practice_id,
       s.patient_id,
       s.status,
       array_to_string(list_sort(s.cohorts), '; ') AS cohorts,
       e.evidence,
       s.last_test_on,
       s.last_test_code,
       s.last_result_pmol_l,
       s.last_result_judged,
       s.last_treatment_on,
       s.interval_days,
       s.due_on
FROM screening_status AS s
LEFT JOIN evidence AS e USING (patient_id)
WHERE list_contains($statuses, s.status)
ORDER BY s.practice_id, list_position($statuses, s.status), s.due_on NULLS FIRST, s.patient_id;
