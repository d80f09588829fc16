-- gen_program_events (a view, read once per exported table): the events of every enrolment.
--   record: the first at the start, the others on uniform days up to the end (diagnoses,
--           procedures);
--   repeat: prescriptions every interval_days (+/- jitter_days), shifted by the treatment
--           break from gap_from_k on, none after the end; days_supply as chosen (sometimes
--           missing where that cannot break an era by itself), switching palette at
--           switch_from_k;
--   series: lab results every interval_days with a lognormal value in a weighted unit.
-- The code is the enrolment's usual pick, re-drawn for one event in 33. A patient's ICD and
-- OPCS codes lose their dots for one patient in seven (extracts differ in this).
CREATE OR REPLACE VIEW gen_program_events AS
WITH expanded AS (
    SELECT e.*, seed, s.k, pr.source_table, pr.kind, pr.palette, pr.then_palette, pr.jitter_days,
           pr.p_missing_supply, e.program_no::BIGINT * 10000 + s.k AS rk,
           e.start_on + s.k * e.interval_days
               + CASE WHEN s.k >= e.gap_from_k THEN e.gap_days ELSE 0 END AS planned_on
    FROM gen_enrolment AS e
    JOIN gen_programs AS pr ON pr.program_no = e.program_no
    JOIN gen_seq AS s ON s.k < e.n_events
    CROSS JOIN gen_settings AS g
),
dated AS (
    SELECT *,
           CASE WHEN kind = 'record' AND k = 0 THEN start_on
                WHEN kind = 'record'
                    THEN start_on + gen_int(seed, pidx, rk, 51, end_on - start_on + 1)::INTEGER
                ELSE least(end_on, greatest(start_on, planned_on
                     + (gen_int(seed, pidx, rk, 52, 2 * jitter_days + 1) - jitter_days)::INTEGER))
           END AS event_date,
           CASE WHEN then_palette IS NOT NULL AND k >= switch_from_k THEN then_palette
                ELSE palette END AS pick_palette,
           gen_int(seed, pidx, rk, 53, 1000) AS row_slot
    FROM expanded
    WHERE kind = 'record' OR planned_on <= end_on
),
coded AS (
    SELECT d.*, c.code_system AS drug_system, c.code AS drug_code,
           l.code_system AS lab_system, l.code AS lab_code, l.median, l.sigma
    FROM dated AS d
    LEFT JOIN gen_code_slots AS c
      ON d.kind <> 'series' AND c.palette = d.pick_palette
     AND c.slot = CASE WHEN gen_u(d.seed, d.pidx, d.rk, 54) < 0.03 THEN d.row_slot
                       ELSE floor(d.code_u * 1000)::BIGINT END
    LEFT JOIN gen_labs AS l ON d.kind = 'series' AND l.lab = d.pick_palette
),
measured AS (
    SELECT c.*, u.unit, u.factor, u.decimals
    FROM coded AS c
    LEFT JOIN gen_lab_unit_slots AS u
      ON c.kind = 'series' AND u.lab = c.pick_palette AND u.slot = c.row_slot
)
SELECT source_table, pidx, rk, gen_token(seed, pidx) AS patient_id,
       coalesce(drug_system, lab_system) AS code_system,
       CASE WHEN drug_system IN ('ICD10', 'ICD10CM', 'OPCS4')
                 AND gen_u(seed, pidx, 0, 58) < 1.0 / 7
            THEN replace(drug_code, '.', '')
            ELSE coalesce(drug_code, lab_code) END AS code,
       event_date,
       CASE WHEN kind = 'repeat'
                 AND NOT (interval_days <= 56 AND gen_u(seed, pidx, rk, 55) < p_missing_supply)
            THEN supply_days END AS days_supply,
       CASE WHEN kind = 'repeat' THEN dose_mg END AS daily_dose_mg,
       CASE WHEN kind = 'series' AND gen_u(seed, pidx, rk, 56) >= 0.01
            THEN round(median * exp(sigma * gen_z(seed, pidx, rk, 57)) * factor, decimals)
       END AS value,
       unit
FROM measured;
