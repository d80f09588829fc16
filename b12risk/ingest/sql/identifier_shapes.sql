-- Shapes of a value that is a real identifier, not a pseudonym (schemas.identifying.VALUE_SHAPES
-- says each in words; tests/reference/identifiers.py is the Python reference). TEMP macros:
-- they live as long as the connection, never in the warehouse. Each takes trimmed text.
-- DuckDB evaluates both sides of AND over a whole vector, so each macro guards its costly
-- patterns behind a cheap test in CASE WHEN (which does skip): most pseudonyms stop there.

-- digit_at: the digit at a 1-based position of a text of digits.
CREATE OR REPLACE TEMP MACRO digit_at(p_text, p_position) AS
    ascii(substr(p_text, p_position, 1)) - 48;

-- nhs_number_shaped: 10 digits, the last the modulus-11 check digit of the first nine
-- (weights 10..2; (11 - sum mod 11) mod 11, and a check digit of 10 is never valid).
CREATE OR REPLACE TEMP MACRO nhs_number_shaped(p_text) AS
    CASE WHEN length(p_text) = 10 AND regexp_full_match(p_text, '[0-9]{10}')
    THEN (11 - (digit_at(p_text, 1) * 10 + digit_at(p_text, 2) * 9 + digit_at(p_text, 3) * 8
               + digit_at(p_text, 4) * 7 + digit_at(p_text, 5) * 6 + digit_at(p_text, 6) * 5
               + digit_at(p_text, 7) * 4 + digit_at(p_text, 8) * 3 + digit_at(p_text, 9) * 2)
               % 11) % 11 = digit_at(p_text, 10)
    ELSE false END;

-- email_shaped: a local part, one @, a dotted domain ending in 2+ letters.
CREATE OR REPLACE TEMP MACRO email_shaped(p_text) AS
    CASE WHEN contains(p_text, '@')
         THEN regexp_full_match(p_text, '[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[A-Za-z]{2,}')
         ELSE false END;

-- phone_shaped: international (+ and 10-15 digits), a UK national number in groups, or a
-- North American number.
CREATE OR REPLACE TEMP MACRO phone_shaped(p_text) AS
    CASE WHEN length(p_text) BETWEEN 10 AND 24 AND regexp_matches(p_text, '[-+(. ]')
    THEN (
        (regexp_full_match(p_text, '\+[0-9][0-9 ()-]{8,21}[0-9]')
         AND length(regexp_replace(p_text, '[^0-9]', '', 'g')) BETWEEN 10 AND 15)
        OR (regexp_full_match(p_text, '(\(0[1-9][0-9]{1,4}\)|0[1-9][0-9]{1,4})([ -][0-9]{2,6}){1,3}')
            AND length(regexp_replace(p_text, '[^0-9]', '', 'g')) BETWEEN 10 AND 11)
        OR regexp_full_match(p_text, '(\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[-.])[0-9]{3}[-.][0-9]{4}')
    ) ELSE false END;

-- ssn_shaped: ddd-dd-dddd, area 001-899 but 666, group 01-99, serial 0001-9999.
CREATE OR REPLACE TEMP MACRO ssn_shaped(p_text) AS
    CASE WHEN length(p_text) = 11 AND contains(p_text, '-')
    THEN regexp_full_match(p_text, '(00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])-(0[1-9]|[1-9][0-9])-(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})')
    ELSE false END;

-- name_date_shaped: a name (2+ letters, dots, apostrophes, dashes, spaces) joined to a date of
-- 1900-2099 in either order, by a separator, or glued when the name has a lower-case letter
-- and a letter beyond hex's a-f: an upper-case prefix glued to digits (PAT20240131) and a hex
-- token (eb19110624, 1 in ~100,000 random 10-character hex tokens) are taken for tokens.
CREATE OR REPLACE TEMP MACRO name_date_shaped(p_text) AS
    CASE WHEN length(p_text) < 10 OR NOT regexp_matches(p_text, '[0-9]{4}') THEN false
         WHEN regexp_matches(p_text, '[a-z]') AND regexp_matches(p_text, '[g-zG-Z]')
             THEN regexp_full_match(p_text, '[A-Za-z][A-Za-z''. -]*[A-Za-z][ _.-]?((19|20)[0-9]{2}[-/.]?(0[1-9]|1[0-2])[-/.]?(0[1-9]|[12][0-9]|3[01])|(0[1-9]|[12][0-9]|3[01])[-/.]?(0[1-9]|1[0-2])[-/.]?(19|20)[0-9]{2})')
               OR regexp_full_match(p_text, '((19|20)[0-9]{2}[-/.]?(0[1-9]|1[0-2])[-/.]?(0[1-9]|[12][0-9]|3[01])|(0[1-9]|[12][0-9]|3[01])[-/.]?(0[1-9]|1[0-2])[-/.]?(19|20)[0-9]{2})[ _.-]?[A-Za-z][A-Za-z''. -]*[A-Za-z]')
             ELSE regexp_full_match(p_text, '[A-Za-z][A-Za-z''. -]*[A-Za-z][ _.-]((19|20)[0-9]{2}[-/.]?(0[1-9]|1[0-2])[-/.]?(0[1-9]|[12][0-9]|3[01])|(0[1-9]|[12][0-9]|3[01])[-/.]?(0[1-9]|1[0-2])[-/.]?(19|20)[0-9]{2})')
               OR regexp_full_match(p_text, '((19|20)[0-9]{2}[-/.]?(0[1-9]|1[0-2])[-/.]?(0[1-9]|[12][0-9]|3[01])|(0[1-9]|[12][0-9]|3[01])[-/.]?(0[1-9]|1[0-2])[-/.]?(19|20)[0-9]{2})[ _.-][A-Za-z][A-Za-z''. -]*[A-Za-z]') END;
