-- staging_patients: the patients file typed. A value that is not valid for its type is NULL
-- and its text is kept in <column>_text (NULL when the value parsed or was missing). Rows are
-- in file order (the caller preserves insertion order): source_row = rowid + 1.
CREATE OR REPLACE TABLE staging_patients AS
WITH typed AS (
    SELECT s.*,
           text_to_integer(s.year_of_birth) AS year_of_birth_typed,
           text_to_integer(s.month_of_birth) AS month_of_birth_typed,
           text_to_date(s.registered_on) AS registered_on_typed,
           text_to_date(s.deregistered_on) AS deregistered_on_typed,
           text_to_date(s.died_on) AS died_on_typed
    FROM staging_source($path, $columns) AS s
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
