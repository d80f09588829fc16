-- gen_b12_tests: B12 tests. A patient is tested with the b12_testing trait's chance for their
-- age plus the largest b12_test_boost of their traits; 1-3 tests, the latest up to six years
-- before the window end (recent ones likelier). Which test (total B12 by mass or by moles,
-- active B12) and which unit are weighted picks (labs.csv, lab_units.csv). The patient's B12
-- level is lognormal around the lab's median, lowered by the smallest b12_factor of their
-- traits; `deficient` judges that level (total < 133 pmol/L, active < 25 pmol/L) whatever the
-- unit it is reported in. One test in 12 has an MMA beside it, on the same day.
CREATE OR REPLACE TABLE gen_b12_tests AS
WITH profile AS (
    SELECT p.pidx, p.age, p.window_start, p.window_end,
           coalesce(min(t.b12_factor), 1.0) AS level_factor,
           coalesce(max(t.b12_test_boost), 0.0) AS boost
    FROM gen_patients AS p
    LEFT JOIN gen_episodes AS e ON e.pidx = p.pidx
    LEFT JOIN gen_traits AS t ON t.trait_no = e.trait_no
    GROUP BY p.pidx, p.age, p.window_start, p.window_end
),
tested AS (
    SELECT f.*, 1 + gen_int($seed::BIGINT, f.pidx, 0, 41, 3) AS n_tests,
           floor(2190 * pow(gen_u($seed::BIGINT, f.pidx, 0, 42), 1.6))::INTEGER AS latest_days_back,
           gen_z($seed::BIGINT, f.pidx, 0, 43) AS z_level
    FROM profile AS f
    CROSS JOIN (SELECT * FROM gen_traits WHERE trait = 'b12_testing') AS b
    WHERE gen_u($seed::BIGINT, f.pidx, 0, 40) < least(0.95, f.boost + CASE
        WHEN f.age < 16 THEN b.p_0_15 WHEN f.age < 40 THEN b.p_16_39
        WHEN f.age < 65 THEN b.p_40_64 ELSE b.p_65_plus END)
),
tests AS (
    SELECT t.pidx, s.k AS test_no, t.level_factor, t.z_level,
           t.window_end - t.latest_days_back
               - s.k * (240 + gen_int($seed::BIGINT, t.pidx, s.k, 44, 500))::INTEGER AS taken_on,
           t.window_start
    FROM tested AS t
    JOIN gen_seq AS s ON s.k < t.n_tests
),
measured AS (
    SELECT t.pidx, t.test_no, t.level_factor, l.lab, l.code_system, l.code, t.taken_on,
           l.median * t.level_factor
               * exp(l.sigma * t.z_level + 0.12 * gen_z($seed::BIGINT, t.pidx, t.test_no, 45))
               AS level
    FROM tests AS t
    JOIN gen_b12_lab_slots AS b ON b.slot = gen_int($seed::BIGINT, t.pidx, t.test_no, 46, 1000)
    JOIN gen_labs AS l ON l.lab = b.lab
    WHERE t.taken_on >= t.window_start
),
with_mma AS (
    SELECT pidx, test_no * 2 AS test_no, lab, code_system, code, taken_on, level,
           lab IN ('b12_total_mass', 'b12_total_molar') AND level < 133
               OR lab = 'b12_active' AND level < 25 AS deficient
    FROM measured
    UNION ALL
    SELECT m.pidx, m.test_no * 2 + 1, l.lab, l.code_system, l.code, m.taken_on,
           l.median * exp(l.sigma * gen_z($seed::BIGINT, m.pidx, m.test_no, 47)) * 0.6 / m.level_factor,
           false
    FROM measured AS m
    JOIN gen_labs AS l ON l.lab = 'mma'
    WHERE gen_u($seed::BIGINT, m.pidx, m.test_no, 48) < 1.0 / 12
)
SELECT w.pidx, w.test_no, w.lab, w.code_system, w.code, w.taken_on, w.deficient,
       CASE WHEN gen_u($seed::BIGINT, w.pidx, w.test_no, 49) >= 0.01
            THEN round(w.level * u.factor, u.decimals) END AS value,
       u.unit
FROM with_mma AS w
JOIN gen_lab_unit_slots AS u
  ON u.lab = w.lab AND u.slot = gen_int($seed::BIGINT, w.pidx, w.test_no, 50, 1000);
