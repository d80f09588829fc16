-- staging_patients: the patients file typed. A value that is not valid for its type is NULL
-- and its text is kept in <column>_text (NULL when the value parsed or was missing). Rows are
-- in file order (the caller preserves insertion order): source_row = rowid + 1.
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
       unparsed_text(year_of_birth, year_of_birth_typed) AS year_of_birth_text,
       unparsed_text(month_of_birth, month_of_birth_typed) AS month_of_birth_text,
       unparsed_text(registered_on, registered_on_typed) AS registered_on_text,
       unparsed_text(deregistered_on, deregistered_on_typed) AS deregistered_on_text,
       unparsed_text(died_on, died_on_typed) AS died_on_text
FROM typed;
