-- staging_lab_results: the lab results file typed (see stage_patients.sql).
CREATE OR REPLACE TABLE staging_lab_results AS
WITH lenient AS (
    SELECT s.*,
           try_cast(s.taken_on AS DATE) AS taken_on_cast,
           try_cast(s.value AS DOUBLE) AS value_cast
    FROM staging_source($path, $columns) AS s
),
typed AS (
    SELECT l.*,
           text_to_date(l.taken_on, l.taken_on_cast) AS taken_on_typed,
           text_to_double(l.value, l.value_cast) AS value_typed
    FROM lenient AS l
)
SELECT patient_id, code_system, code,
       taken_on_typed AS taken_on,
       value_typed AS value,
       unit,
       CASE WHEN unparsed(taken_on, taken_on_typed)
              OR unparsed(value, value_typed)
            THEN [taken_on, value] END AS source_texts
FROM typed;
