-- status_test_results: every B12 test on or before the as-of date of a patient in scope, with its
-- result converted to pmol/L and judged against the deficiency cut-offs (NICE NG239).
-- A test is any b12_tests event, whatever its source table (normally lab_results); MMA and
-- homocysteine (b12_second_line_tests) are tests only when $count_second_line is true, and are
-- never judged by the B12 cut-offs.
-- Units, after lower-casing and removing all whitespace: $mass_units (ng/L = pg/mL) are
-- multiplied by $ng_per_l_to_pmol_l; $molar_units (pmol/L) are taken as they are. Any other unit,
-- no unit or no value: still a test, but not judged (value_pmol_l NULL).
-- Judged only for the subtypes with a cut-off: total_b12 below $total_below, active_b12 below
-- $active_below (strictly below, in pmol/L).
CREATE OR REPLACE TEMP TABLE status_test_results AS
WITH tests AS (
    SELECT e.patient_id, e.concept, e.subtype, e.code, e.event_date AS taken_on, e.value,
           lower(regexp_replace(e.unit, '\s', '', 'g')) AS unit_norm
    FROM concept_events AS e
    SEMI JOIN status_scope AS s ON s.patient_id = e.patient_id
    WHERE e.event_date <= $as_of
      AND (e.concept = 'b12_tests'
           OR (e.concept = 'b12_second_line_tests' AND $count_second_line::BOOLEAN))
),
converted AS (
    SELECT *,
           coalesce(list_contains($mass_units::VARCHAR[], unit_norm)
                    OR list_contains($molar_units::VARCHAR[], unit_norm), false) AS unit_known,
           CASE
               WHEN concept <> 'b12_tests' OR subtype IS NULL
                    OR subtype NOT IN ('total_b12', 'active_b12') THEN NULL
               WHEN list_contains($mass_units::VARCHAR[], unit_norm)
                    THEN value * $ng_per_l_to_pmol_l::DOUBLE
               WHEN list_contains($molar_units::VARCHAR[], unit_norm) THEN value
           END AS value_pmol_l
    FROM tests
)
SELECT patient_id, concept, subtype, code, taken_on, value, unit_known, value_pmol_l,
       value_pmol_l IS NOT NULL AS judged,
       coalesce(CASE subtype
                    WHEN 'total_b12' THEN value_pmol_l < $total_below::DOUBLE
                    WHEN 'active_b12' THEN value_pmol_l < $active_below::DOUBLE
                END, false) AS deficient
FROM converted;
