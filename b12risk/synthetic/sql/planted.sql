-- gen_planted_patients / gen_planted_events: the hand-designed patients of
-- data/generator/planted_*.csv, placed relative to the extract date $as_of, in every extract.
-- birthday: this_month (the 1st of the as-of month, so `age` is reached exactly), next_month
-- (turns age + 1 on the 1st of next month), earlier (6 months before), missing (no month:
-- turned `age` on the last 1 July). Events: days_before the as-of date, repeated repeat_count
-- times every repeat_every_days. Planted pidx follow the random ones.
CREATE OR REPLACE TABLE gen_planted_patients AS
WITH source AS (
    SELECT * FROM read_csv($planted_patients_path, header = true, auto_detect = false,
        columns = {'patient_id': 'VARCHAR', 'age': 'INTEGER', 'birthday': 'VARCHAR',
                   'sex': 'VARCHAR', 'registered_days_before': 'INTEGER',
                   'deregistered_days_before': 'INTEGER', 'died_days_before': 'INTEGER',
                   'in_population': 'BOOLEAN', 'cohorts': 'VARCHAR', 'status': 'VARCHAR',
                   'earlier_checked': 'BOOLEAN', 'earlier_in_population': 'BOOLEAN',
                   'earlier_cohorts': 'VARCHAR', 'earlier_status': 'VARCHAR',
                   'case': 'VARCHAR'})
),
anchored AS (
    SELECT row_number() OVER (ORDER BY patient_id) - 1 AS plant_no, *,
           (date_trunc('month', $as_of::DATE) + to_months(CASE birthday
                WHEN 'this_month' THEN 0 WHEN 'next_month' THEN 1 ELSE -6 END))::DATE
               AS anchor
    FROM source
)
SELECT $patients + a.plant_no AS pidx, a.patient_id,
       CASE a.birthday WHEN 'missing' THEN year($as_of::DATE - to_months(6)) - a.age
                       WHEN 'next_month' THEN year(a.anchor) - a.age - 1
                       ELSE year(a.anchor) - a.age END::INTEGER AS year_of_birth,
       CASE WHEN a.birthday <> 'missing' THEN month(a.anchor) END::INTEGER AS month_of_birth,
       a.sex, p.practice_id,
       $as_of::DATE - a.registered_days_before AS registered_on,
       $as_of::DATE - a.deregistered_days_before AS deregistered_on,
       $as_of::DATE - a.died_days_before AS died_on
FROM anchored AS a
JOIN gen_practices AS p ON p.practice_no = a.plant_no % $n_practices;

CREATE OR REPLACE TABLE gen_planted_events AS
WITH source AS (
    SELECT row_number() OVER (ORDER BY patient_id, source_table, days_before, code_system,
                                       code, value) AS row_no, *
    FROM read_csv($planted_events_path, header = true, auto_detect = false,
        columns = {'patient_id': 'VARCHAR', 'source_table': 'VARCHAR',
                   'code_system': 'VARCHAR', 'code': 'VARCHAR', 'days_before': 'INTEGER',
                   'repeat_count': 'INTEGER', 'repeat_every_days': 'INTEGER',
                   'days_supply': 'INTEGER', 'daily_dose_mg': 'DOUBLE', 'value': 'DOUBLE',
                   'unit': 'VARCHAR', 'concept': 'VARCHAR'})
)
SELECT e.source_table, p.pidx, e.row_no * 1000 + s.k AS rk, e.patient_id, e.code_system,
       e.code,
       $as_of::DATE - e.days_before + s.k * coalesce(e.repeat_every_days, 0) AS event_date,
       e.days_supply, e.daily_dose_mg, e.value, e.unit
FROM source AS e
JOIN gen_planted_patients AS p ON p.patient_id = e.patient_id
JOIN gen_seq AS s ON s.k < e.repeat_count;
