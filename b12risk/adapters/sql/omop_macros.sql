-- OMOP conversions: person tokens and the code of an event.
-- person_id 123 -> 'P123'; NULL when it is not a whole number.
CREATE OR REPLACE TEMP MACRO omop_token(raw) AS (
    'P' || try_cast(trim(raw) AS BIGINT)::VARCHAR
);
-- The code system a *_source_value looks like: LOINC (2132-9), ICD-10-CM (K92.2), else all
-- digits: $digits_system (SNOMED for conditions, RXNORM for drugs). NULL when none fits.
CREATE OR REPLACE TEMP MACRO omop_guess_system(raw, digits_system) AS (
    CASE WHEN regexp_full_match(trim(raw), '[0-9]{1,5}-[0-9]') THEN 'LOINC'
         WHEN regexp_full_match(trim(raw), '[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?') THEN 'ICD10CM'
         WHEN regexp_full_match(trim(raw), '[1-9][0-9]{0,17}') THEN digits_system
    END
);
