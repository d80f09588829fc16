-- codelist, codelist_versions: the reviewed codelists of this run, rebuilt on every load from
-- the hash-checked rows b12risk.codelists registers as codelist_rows_in / codelist_versions_in.
-- One row per (concept, code_system, code); code_norm is normalise_code(code_system, code).
CREATE OR REPLACE TABLE codelist (
    concept     VARCHAR NOT NULL,
    code_system VARCHAR NOT NULL,
    code        VARCHAR NOT NULL,
    code_norm   VARCHAR NOT NULL,
    match       VARCHAR NOT NULL CHECK (match IN ('exact', 'prefix')),
    subtype     VARCHAR,
    description VARCHAR NOT NULL,
    version     VARCHAR NOT NULL,
    PRIMARY KEY (concept, code_system, code)
);

INSERT INTO codelist
SELECT concept, code_system, code, code_norm, match, subtype, description, version
FROM codelist_rows_in
ORDER BY concept, code_system, code;

CREATE OR REPLACE TABLE codelist_versions (
    concept VARCHAR NOT NULL PRIMARY KEY,
    version VARCHAR NOT NULL,
    sha256  VARCHAR NOT NULL,
    source  VARCHAR NOT NULL,
    n_codes INTEGER NOT NULL
);

INSERT INTO codelist_versions
SELECT concept, version, sha256, source, n_codes
FROM codelist_versions_in
ORDER BY concept;
