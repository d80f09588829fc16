-- No concept.csv: empty concept tables, so every code comes from a *_source_value.
CREATE OR REPLACE TEMP TABLE omop_known_concepts (
    concept_id BIGINT, vocabulary_id VARCHAR, concept_code VARCHAR
);
CREATE OR REPLACE TEMP TABLE omop_codes (concept_id BIGINT, code_system VARCHAR, code VARCHAR);
