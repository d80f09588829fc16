-- concept_events: every extract event whose code is in a loaded codelist, dated on or before
-- the as-of date ($as_of). One row per (event, concept). Point in time: later events never enter.
-- Codes match after normalising case, surrounding whitespace and ICD/OPCS dots; a codelist row
-- with match = 'prefix' also matches every code that starts with it (ATC groups, ICD categories).
-- Matching runs on the distinct codes of the extract (small), then joins back by equality.
CREATE OR REPLACE TABLE concept_events AS
WITH events AS (
    SELECT patient_id, 'diagnoses' AS source_table, code_system, code, recorded_on AS event_date,
           NULL::INTEGER AS days_supply, NULL::DOUBLE AS value, NULL::VARCHAR AS unit
    FROM diagnoses WHERE recorded_on <= $as_of
    UNION ALL
    SELECT patient_id, 'procedures', code_system, code, performed_on, NULL, NULL, NULL
    FROM procedures WHERE performed_on <= $as_of
    UNION ALL
    SELECT patient_id, 'prescriptions', code_system, code, issued_on, days_supply, NULL, NULL
    FROM prescriptions WHERE issued_on <= $as_of
    UNION ALL
    SELECT patient_id, 'lab_results', code_system, code, taken_on, NULL, value, unit
    FROM lab_results WHERE taken_on <= $as_of
),
distinct_codes AS (
    SELECT DISTINCT code_system, code,
           CASE WHEN code_system IN ('ICD10', 'ICD10CM', 'ICD9CM', 'OPCS4')
                THEN replace(upper(trim(code)), '.', '') ELSE upper(trim(code)) END AS code_norm
    FROM events
),
code_matches AS (
    SELECT DISTINCT d.code_system, d.code, l.concept, l.subtype
    FROM distinct_codes AS d
    JOIN codelist AS l
      ON l.code_system = d.code_system
     AND (d.code_norm = l.code_norm OR (l.match = 'prefix' AND starts_with(d.code_norm, l.code_norm)))
)
SELECT e.patient_id, m.concept, m.subtype, e.source_table, e.code_system, e.code, e.event_date,
       e.days_supply, e.value, e.unit
FROM events AS e
JOIN code_matches AS m USING (code_system, code);
