-- OMOP concept.csv -> omop_codes: every concept of a vocabulary the extract contract knows,
-- with the contract's code_system name; omop_known_concepts: every concept id in the file
-- (a known concept of another vocabulary, e.g. CVX, is dropped rather than guessed).
CREATE OR REPLACE TEMP TABLE omop_known_concepts AS
SELECT DISTINCT try_cast(concept_id AS BIGINT) AS concept_id, vocabulary_id, trim(concept_code) AS concept_code
FROM read_csv($concept, all_varchar = true, header = true)
WHERE try_cast(concept_id AS BIGINT) IS NOT NULL;
CREATE OR REPLACE TEMP TABLE omop_codes AS
WITH vocabularies(vocabulary_id, code_system) AS (
    VALUES ('SNOMED', 'SNOMED'), ('RxNorm', 'RXNORM'), ('LOINC', 'LOINC'),
           ('ICD10CM', 'ICD10CM'), ('ICD10', 'ICD10'), ('ICD9CM', 'ICD9CM'),
           ('ICD9Proc', 'ICD9CM'), ('CPT4', 'CPT'), ('ICD10PCS', 'ICD10PCS'), ('NDC', 'NDC'),
           ('ATC', 'ATC'), ('OPCS4', 'OPCS4'), ('dm+d', 'DMD'), ('Read', 'READ2')
)
SELECT k.concept_id, v.code_system, k.concept_code AS code
FROM omop_known_concepts AS k
JOIN vocabularies AS v USING (vocabulary_id);
