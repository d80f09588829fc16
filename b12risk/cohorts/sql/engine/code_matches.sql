-- code_matches: each distinct (code_system, code) of the extract's event tables ($event_tables)
-- that a loaded codelist names, with the concept and subtype it stands for. Matching runs on
-- the distinct codes (small), so each event table then joins to it by equality.
-- Codes match after normalising (the rule of b12risk.codelists.load.normalise_code): surrounding
-- spaces go, letters are upper-cased except in $case_sensitive_systems, and codes of
-- $dotless_systems lose their dots. A codelist row with match = 'prefix' also matches every
-- code that starts with it (ATC groups, ICD categories).
CREATE OR REPLACE TEMP TABLE code_matches AS
WITH extract_codes AS (
    SELECT DISTINCT code_system, code
    FROM query_table($event_tables::VARCHAR[], true)
),
normalised AS (
    SELECT code_system, code,
           CASE WHEN list_contains($case_sensitive_systems::VARCHAR[], code_system)
                     THEN trim(code)
                ELSE upper(trim(code)) END AS cased
    FROM extract_codes
),
final AS (
    SELECT DISTINCT n.code_system, n.code, l.concept, l.subtype
    FROM normalised AS n
    JOIN codelist AS l
      ON l.code_system = n.code_system
     AND (CASE WHEN list_contains($dotless_systems::VARCHAR[], n.code_system)
                    THEN replace(n.cased, '.', '') ELSE n.cased END = l.code_norm
          OR (l.match = 'prefix'
              AND starts_with(CASE WHEN list_contains($dotless_systems::VARCHAR[], n.code_system)
                                        THEN replace(n.cased, '.', '') ELSE n.cased END,
                              l.code_norm)))
)
SELECT * FROM final;
