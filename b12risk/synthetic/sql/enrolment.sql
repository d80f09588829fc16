-- gen_enrolment: each program (programs.csv) a patient follows, within an episode of its trait
-- when the episode's u_trait falls in the program's share band, with the choices made once per
-- enrolment: start (after up to lag_max_days), interval, days supplied (the interval, or 28
-- days short of it for some), daily dose, a treatment break, the switch to then_palette, the
-- usual code, and how many events the program gives.
CREATE OR REPLACE TABLE gen_enrolment AS
WITH enrolled AS (
    SELECT e.pidx, pr.program_no, pr.kind, pr.intervals, pr.doses_mg, pr.records_max,
           pr.p_short_supply, pr.p_gap, pr.then_palette, e.episode_end AS end_on,
           e.episode_start + gen_int($seed::BIGINT, e.pidx, pr.program_no, 30,
                                     pr.lag_max_days + 1)::INTEGER AS start_on
    FROM gen_episodes AS e
    JOIN gen_traits AS t ON t.trait_no = e.trait_no
    JOIN gen_programs AS pr ON pr.trait = t.trait
    WHERE e.u_trait >= e.p_trait * pr.share_from AND e.u_trait < e.p_trait * pr.share_to
),
chosen AS (
    SELECT *,
           CASE WHEN kind <> 'record'
                THEN gen_option(intervals, gen_u($seed::BIGINT, pidx, program_no, 31))::INTEGER
           END AS interval_days
    FROM enrolled
    WHERE start_on <= end_on
),
counted AS (
    SELECT *,
           CASE WHEN kind = 'record' THEN 1 + gen_int($seed::BIGINT, pidx, program_no, 32, records_max)
                ELSE (end_on - start_on) // interval_days + 1
           END::INTEGER AS n_events
    FROM chosen
)
SELECT pidx, program_no, start_on, end_on, interval_days, n_events,
       CASE WHEN interval_days >= 56 AND gen_u($seed::BIGINT, pidx, program_no, 33) < p_short_supply
            THEN interval_days - 28 ELSE interval_days END AS supply_days,
       CASE WHEN doses_mg IS NOT NULL AND gen_u($seed::BIGINT, pidx, program_no, 34) < 0.7
            THEN gen_option(doses_mg, gen_u($seed::BIGINT, pidx, program_no, 35))::DOUBLE
       END AS dose_mg,
       CASE WHEN gen_u($seed::BIGINT, pidx, program_no, 36) < p_gap
            THEN 1 + gen_int($seed::BIGINT, pidx, program_no, 37, n_events)
       END::INTEGER AS gap_from_k,
       (45 + gen_int($seed::BIGINT, pidx, program_no, 38, 320))::INTEGER AS gap_days,
       CASE WHEN then_palette IS NOT NULL
            THEN floor(n_events * (0.3 + 0.4 * gen_u($seed::BIGINT, pidx, program_no, 39)))
       END::INTEGER AS switch_from_k,
       gen_u($seed::BIGINT, pidx, program_no, 40) AS code_u
FROM counted;
