-- gen_practices: $n_practices GP practices with lognormal list sizes (about 8,000 patients
-- each at scale; see generate.py for how many practices a small extract gets). cum_from is each
-- practice's share of the list (integer weights, so the shares are exact) for an ASOF pick.
CREATE OR REPLACE TABLE gen_practices AS
WITH sized AS (
    SELECT i::INTEGER AS practice_no,
           greatest(1, round(1000 * exp(0.45 * gen_z($seed::BIGINT, i, 0, 201))))::BIGINT AS weight
    FROM range($n_practices) AS t(i)
)
SELECT practice_no,
       chr((65 + hash($seed::BIGINT, practice_no, 'practice letter') % 26)::INTEGER)
           || printf('%05d', 81001 + practice_no) AS practice_id,
       (sum(weight) OVER (ORDER BY practice_no ROWS UNBOUNDED PRECEDING) - weight)::DOUBLE
           / sum(weight) OVER () AS cum_from
FROM sized;
