-- gen_patients: the synthetic list, one row per patient pidx 0 .. $patients - 1: demographics,
-- registration, death, and the window [window_start, window_end] their events fall in (from
-- birth, at most 10 years back, up to the extract date, death or deregistration). Records may
-- predate registration (GP-to-GP transfer), never birth.
CREATE OR REPLACE TABLE gen_patients AS
WITH draws AS (
    SELECT i AS pidx,
           gen_u($seed::BIGINT, i, 0, 1) AS u_age,
           gen_u($seed::BIGINT, i, 0, 2) AS u_age_in_band,
           gen_u($seed::BIGINT, i, 0, 3) AS u_birthday,
           gen_u($seed::BIGINT, i, 0, 4) AS u_sex,
           gen_u($seed::BIGINT, i, 0, 5) AS u_practice,
           gen_u($seed::BIGINT, i, 0, 6) AS u_registered,
           gen_u($seed::BIGINT, i, 0, 7) AS u_death,
           gen_u($seed::BIGINT, i, 0, 8) AS u_deregistered
    FROM range($patients) AS t(i)
),
aged AS (
    SELECT d.*, b.age_from + floor(d.u_age_in_band * (b.age_to - b.age_from + 1))::INTEGER AS age
    FROM draws AS d ASOF JOIN gen_age_bands AS b ON d.u_age >= b.cum_from
),
born AS (
    -- born `age` whole years and 0..364 days before the extract date
    SELECT a.*, p.practice_id,
           (($as_of::DATE - to_years(a.age))::DATE - floor(a.u_birthday * 365)::INTEGER)
               AS birth_date
    FROM aged AS a ASOF JOIN gen_practices AS p ON a.u_practice >= p.cum_from
),
registered AS (
    SELECT *,
           CASE WHEN gen_u($seed::BIGINT, pidx, 0, 9) < 0.01 THEN NULL
                ELSE greatest(birth_date,
                              $as_of::DATE - floor(-ln(u_registered) * 5000)::INTEGER)
           END AS registered_on,
           CASE WHEN age < 65 THEN 0.002 WHEN age < 85 THEN 0.03 ELSE 0.12 END AS p_death
    FROM born
),
ended AS (
    -- death and deregistration fall after registration (or birth) and on/before the extract
    SELECT *,
           CASE WHEN u_death < p_death
                THEN $as_of::DATE - floor(gen_u($seed::BIGINT, pidx, 0, 10)
                     * least(1825, $as_of::DATE - coalesce(registered_on, birth_date)))::INTEGER
           END AS died_on,
           CASE WHEN u_death >= p_death AND u_deregistered < 0.03
                THEN $as_of::DATE - floor(gen_u($seed::BIGINT, pidx, 0, 11)
                     * least(3650, $as_of::DATE - coalesce(registered_on, birth_date)))::INTEGER
           END AS deregistered_on
    FROM registered
)
SELECT pidx,
       gen_token($seed::BIGINT, pidx) AS patient_id,
       year(birth_date)::INTEGER AS year_of_birth,
       CASE WHEN gen_u($seed::BIGINT, pidx, 0, 12) < 0.02 THEN NULL
            ELSE month(birth_date)::INTEGER END AS month_of_birth,
       CASE WHEN u_sex < 0.494 THEN 'F' WHEN u_sex < 0.988 THEN 'M'
            WHEN u_sex < 0.995 THEN 'U' ELSE 'I' END AS sex,
       practice_id, registered_on, deregistered_on, died_on, age, birth_date,
       greatest(birth_date, $as_of::DATE - 3652) AS window_start,
       least($as_of::DATE, coalesce(died_on, $as_of::DATE),
             coalesce(deregistered_on, $as_of::DATE)) AS window_end
FROM ended;
