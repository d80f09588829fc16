-- gen_episodes, stage 2: an episode of the b12_deficient trait for everyone with a deficient
-- B12 result, from the first such result; its programs (treatment, a deficiency diagnosis)
-- are chosen by share band like any other trait's (everyone qualifies: p_trait = 1).
INSERT INTO gen_episodes BY NAME
WITH deficient AS (
    SELECT pidx, min(taken_on) AS first_deficient_on
    FROM gen_b12_tests
    WHERE deficient
    GROUP BY pidx
)
SELECT d.pidx, t.trait_no, 2 AS stage, 1.0 AS p_trait,
       gen_u($seed::BIGINT, d.pidx, t.trait_no, 20) AS u_trait,
       d.first_deficient_on AS episode_start,
       CASE WHEN gen_u($seed::BIGINT, d.pidx, t.trait_no, 21) < t.p_ongoing THEN p.window_end
            ELSE least(p.window_end, d.first_deficient_on
                 + gen_episode_days($seed::BIGINT, d.pidx, t.trait_no, t.duration_median_days,
                                    t.duration_sigma))
       END AS episode_end
FROM deficient AS d
JOIN gen_patients AS p ON p.pidx = d.pidx
CROSS JOIN (SELECT * FROM gen_traits WHERE trait = 'b12_deficient') AS t;
