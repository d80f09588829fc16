-- concept_events: every extract event whose code is in a loaded codelist, dated on or before
-- the as-of date. One row per (event, concept). Point in time: later events never enter.
-- Codes match after normalising case (not for the case-sensitive Read v2 and CTV3), surrounding
-- whitespace and ICD/OPCS dots (the rule of b12risk.codelists.normalise_code); a codelist row
-- with match = 'prefix' also matches every code that starts with it (ATC groups, ICD categories).
-- Matching runs on the distinct codes of the extract (small); each table then joins to the
-- matches by equality on its own (no union of every event before the join).
CREATE OR REPLACE TABLE concept_events AS
WITH extract_codes AS (
    SELECT DISTINCT code_system, code FROM diagnoses
    UNION SELECT DISTINCT code_system, code FROM procedures
    UNION SELECT DISTINCT code_system, code FROM prescriptions
    UNION SELECT DISTINCT code_system, code FROM lab_results
),
normalised AS (
    SELECT code_system, code,
           CASE WHEN code_system IN ('ICD10', 'ICD10CM', 'ICD9CM', 'OPCS4')
                     THEN replace(upper(trim(code)), '.', '')
                WHEN code_system IN ('READ2', 'CTV3') THEN trim(code)
                ELSE upper(trim(code)) END AS code_norm
    FROM extract_codes
),
code_matches AS (
    SELECT DISTINCT n.code_system, n.code, l.concept, l.subtype
    FROM normalised AS n
    JOIN codelist AS l
      ON l.code_system = n.code_system
     AND (n.code_norm = l.code_norm
          OR (l.match = 'prefix' AND starts_with(n.code_norm, l.code_norm)))
)
SELECT e.patient_id, m.concept, m.subtype, 'diagnoses' AS source_table, e.code_system, e.code,
       e.recorded_on AS event_date, NULL::INTEGER AS days_supply, NULL::DOUBLE AS value,
       NULL::VARCHAR AS unit
FROM diagnoses AS e
JOIN code_matches AS m USING (code_system, code)
WHERE e.recorded_on <= $as_of
UNION ALL
SELECT e.patient_id, m.concept, m.subtype, 'procedures', e.code_system, e.code, e.performed_on,
       NULL, NULL, NULL
FROM procedures AS e
JOIN code_matches AS m USING (code_system, code)
WHERE e.performed_on <= $as_of
UNION ALL
SELECT e.patient_id, m.concept, m.subtype, 'prescriptions', e.code_system, e.code, e.issued_on,
       e.days_supply, NULL, NULL
FROM prescriptions AS e
JOIN code_matches AS m USING (code_system, code)
WHERE e.issued_on <= $as_of
UNION ALL
SELECT e.patient_id, m.concept, m.subtype, 'lab_results', e.code_system, e.code, e.taken_on,
       NULL, e.value, e.unit
FROM lab_results AS e
JOIN code_matches AS m USING (code_system, code)
WHERE e.taken_on <= $as_of;
