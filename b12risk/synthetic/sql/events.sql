-- gen_events (a view): every event row of the extract, random, B12 and planted, with the
-- deterministic corruption of a share (gen_settings.bad_rows) of the non-planted rows, one kind
-- per row:
--   0 impossible_date          the date is 2023-02-30, 2022-04-31 or 2021-13-01
--   1 unknown_patient          a patient token no patient has (ZZ + 8 hex digits)
--   2 bad_snomed_check_digit   code_system SNOMED, the check digit off by one
--   3 unknown_code_system      code_system FOO
--   4 zero_days_supply         (prescriptions) days_supply 0
--   4 negative_value           (lab_results) value below 0
-- Dates are ISO text (a corrupt date must survive in CSV and Parquet alike).
CREATE OR REPLACE VIEW gen_events AS
WITH all_rows AS (
    SELECT *, false AS planted FROM gen_program_events
    UNION ALL
    SELECT 'lab_results', pidx, 900000000 + test_no, gen_token(g.seed, pidx), code_system, code,
           taken_on, NULL, NULL, value, unit, false
    FROM gen_b12_tests CROSS JOIN gen_settings AS g
    UNION ALL
    SELECT *, true FROM gen_planted_events
),
judged AS (
    SELECT *,
           CASE WHEN NOT planted AND gen_u(g.seed, pidx, rk, 90) < g.bad_rows
                THEN gen_int(g.seed, pidx, rk, 91,
                             CASE WHEN source_table IN ('prescriptions', 'lab_results')
                                  THEN 5 ELSE 4 END)
           END AS bad_kind
    FROM all_rows CROSS JOIN gen_settings AS g
)
SELECT source_table, pidx AS sort_pidx, event_date AS sort_date, rk AS sort_rk, bad_kind,
       CASE WHEN bad_kind = 1 THEN 'ZZ' || printf('%08x', hash(seed, pidx, rk) % 4294967296)
            ELSE patient_id END AS patient_id,
       CASE bad_kind WHEN 2 THEN 'SNOMED' WHEN 3 THEN 'FOO' ELSE code_system END AS code_system,
       CASE WHEN bad_kind = 2 AND code_system IN ('SNOMED', 'DMD')
                THEN left(code, -1) || ((right(code, 1)::INTEGER + 1) % 10)::VARCHAR
            WHEN bad_kind = 2 THEN '38341004'
            ELSE code END AS code,
       CASE WHEN bad_kind = 0
                THEN gen_option('2023-02-30|2022-04-31|2021-13-01', gen_u(seed, pidx, rk, 92))
            ELSE strftime(event_date, '%Y-%m-%d') END AS event_on,
       CASE WHEN bad_kind = 4 AND source_table = 'prescriptions' THEN 0
            ELSE days_supply END AS days_supply,
       daily_dose_mg,
       CASE WHEN bad_kind = 4 AND source_table = 'lab_results' THEN -(abs(coalesce(value, 0)) + 1)
            ELSE value END AS value,
       unit
FROM judged;
