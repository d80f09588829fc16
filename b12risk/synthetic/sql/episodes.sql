-- gen_episodes: who has which trait (data/generator/traits.csv) and over which episode. A
-- patient has a trait with the probability for their age band; the same uniform draw u_trait
-- later chooses the trait's programs by their share band (programs.csv share_from..share_to),
-- so programs of one trait nest or exclude each other as the bands say.
-- An episode ends at the window end when ongoing, else up to stop_window_days before it, and
-- lasts a lognormal number of days, cut at the window start and at onset_min_age.
-- stage 1: traits chosen by age; stage 2 (b12_episodes.sql) is added after the B12 results.
CREATE OR REPLACE TABLE gen_episodes AS
WITH chances AS (
    SELECT p.pidx, p.birth_date, p.window_start, p.window_end, t.trait_no, t.trait,
           t.onset_min_age, t.duration_median_days, t.duration_sigma, t.p_ongoing,
           t.stop_window_days,
           CASE WHEN p.age < 16 THEN t.p_0_15 WHEN p.age < 40 THEN t.p_16_39
                WHEN p.age < 65 THEN t.p_40_64 ELSE t.p_65_plus END AS p_trait,
           gen_u($seed::BIGINT, p.pidx, t.trait_no, 20) AS u_trait
    FROM gen_patients AS p
    CROSS JOIN gen_traits AS t
    WHERE t.trait NOT IN ('b12_testing', 'b12_deficient')
),
chosen AS (
    SELECT *,
           CASE WHEN gen_u($seed::BIGINT, pidx, trait_no, 21) < p_ongoing THEN window_end
                ELSE window_end - gen_int($seed::BIGINT, pidx, trait_no, 22, stop_window_days + 1)::INTEGER
           END AS episode_end
    FROM chances
    WHERE u_trait < p_trait
)
SELECT pidx, trait_no, 1 AS stage, p_trait, u_trait,
       greatest(episode_end - gen_episode_days($seed::BIGINT, pidx, trait_no, duration_median_days,
                                               duration_sigma),
                window_start, (birth_date + to_years(onset_min_age))::DATE) AS episode_start,
       episode_end
FROM chosen
WHERE greatest(window_start, (birth_date + to_years(onset_min_age))::DATE) <= episode_end;
