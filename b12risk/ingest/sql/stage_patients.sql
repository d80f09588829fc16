-- staging_patients: the patients file typed. A value that is not valid for its type is NULL;
-- source_texts then keeps the file's texts of the row's typed columns (in this order; NULL
-- when every value parsed or was missing: one list column costs less to write than one text
-- column per typed column). Rows are in file order (the caller preserves insertion order):
-- source_row = rowid + 1.
CREATE OR REPLACE TABLE staging_patients AS
WITH lenient AS (
    SELECT s.*,
           try_cast(s.year_of_birth AS INTEGER) AS year_of_birth_cast,
           try_cast(s.month_of_birth AS INTEGER) AS month_of_birth_cast,
           try_cast(s.registered_on AS DATE) AS registered_on_cast,
           try_cast(s.deregistered_on AS DATE) AS deregistered_on_cast,
           try_cast(s.died_on AS DATE) AS died_on_cast
    FROM staging_source($path, $columns) AS s
),
typed AS (
    SELECT l.*,
           text_to_integer(l.year_of_birth, l.year_of_birth_cast) AS year_of_birth_typed,
           text_to_integer(l.month_of_birth, l.month_of_birth_cast) AS month_of_birth_typed,
           text_to_date(l.registered_on, l.registered_on_cast) AS registered_on_typed,
           text_to_date(l.deregistered_on, l.deregistered_on_cast) AS deregistered_on_typed,
           text_to_date(l.died_on, l.died_on_cast) AS died_on_typed
    FROM lenient AS l
)
SELECT patient_id,
       year_of_birth_typed AS year_of_birth,
       month_of_birth_typed AS month_of_birth,
       sex,
       practice_id,
       registered_on_typed AS registered_on,
       deregistered_on_typed AS deregistered_on,
       died_on_typed AS died_on,
       CASE WHEN unparsed(year_of_birth, year_of_birth_typed)
              OR unparsed(month_of_birth, month_of_birth_typed)
              OR unparsed(registered_on, registered_on_typed)
              OR unparsed(deregistered_on, deregistered_on_typed)
              OR unparsed(died_on, died_on_typed)
            THEN [year_of_birth, month_of_birth, registered_on, deregistered_on, died_on] END AS source_texts
FROM typed;
