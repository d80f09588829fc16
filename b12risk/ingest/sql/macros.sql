-- Text-to-type parsers for staged (all VARCHAR) values. TEMP: they live as long as the
-- connection, never in the warehouse. Each returns NULL when the text is not a valid value
-- of the type, so a bad value is a rule failure of its row, never an error of the batch.
-- DuckDB's casts alone are too lenient ('2023-2-3', '2023/02/03', 'infinity', '1e3', '0x10',
-- ' 5' all cast), hence the round trips and patterns. Each parser takes the text and that
-- lenient cast of it (try_cast(p_text AS <type>)), computed once by the caller in a CTE.

-- text_to_date: a real calendar date written exactly YYYY-MM-DD (2023-02-30 is not one).
CREATE OR REPLACE TEMP MACRO text_to_date(p_text, p_date) AS
    CASE WHEN length(p_text) = 10 AND CAST(p_date AS VARCHAR) = p_text THEN p_date END;

-- text_to_integer: an optional minus sign and 1-9 digits (leading zeros allowed: '07').
-- The canonical form is checked by the cheap round trip first; the pattern only runs on the rest.
CREATE OR REPLACE TEMP MACRO text_to_integer(p_text, p_integer) AS
    CASE WHEN CAST(p_integer AS VARCHAR) = p_text THEN p_integer
         WHEN regexp_full_match(p_text, '-?[0-9]{1,9}') THEN p_integer END;

-- text_to_double: a finite decimal number: sign, digits, point, exponent (no 'nan', 'inf',
-- thousands separators or units). Canonical doubles and integers ('5.0', '5') take the cheap
-- round trips; the pattern only runs on other spellings ('5.', '.5', '1e3').
CREATE OR REPLACE TEMP MACRO text_to_double(p_text, p_double) AS
    CASE WHEN NOT isfinite(p_double) THEN NULL
         WHEN CAST(p_double AS VARCHAR) = p_text THEN p_double
         WHEN CAST(try_cast(p_text AS INTEGER) AS VARCHAR) = p_text THEN p_double
         WHEN regexp_full_match(p_text, '[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?')
         THEN p_double END;

-- parquet_to_text: a Parquet value as the text a CSV would hold: dates YYYY-MM-DD, a
-- timestamp at midnight as its date, a whole float as an integer (pandas writes integer
-- columns with missing values as floats); anything else by DuckDB's cast.
CREATE OR REPLACE TEMP MACRO parquet_to_text(p_value) AS
    CASE WHEN typeof(p_value) LIKE 'TIMESTAMP%'
              AND try_cast(p_value AS TIMESTAMP) = date_trunc('day', try_cast(p_value AS TIMESTAMP))
         THEN CAST(try_cast(p_value AS DATE) AS VARCHAR)
         WHEN typeof(p_value) IN ('FLOAT', 'DOUBLE')
              AND try_cast(p_value AS DOUBLE) = trunc(try_cast(p_value AS DOUBLE))
              AND abs(try_cast(p_value AS DOUBLE)) < 1e15
         THEN CAST(try_cast(p_value AS BIGINT) AS VARCHAR)
         ELSE CAST(p_value AS VARCHAR) END;

-- unparsed: the file had a value (p_text) that is not valid for its type (p_typed is NULL).
CREATE OR REPLACE TEMP MACRO unparsed(p_text, p_typed) AS
    p_typed IS NULL AND p_text IS NOT NULL;

-- raw_text: a staged value as text again: the file's text (p_text, from source_texts) when it
-- did not parse, else the canonical text of the typed value (07 shows as 7, 500 as 500.0).
CREATE OR REPLACE TEMP MACRO raw_text(p_typed, p_text) AS
    CASE WHEN p_typed IS NULL THEN p_text ELSE CAST(p_typed AS VARCHAR) END;
