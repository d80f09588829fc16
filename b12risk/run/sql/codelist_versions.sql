SELECT concept, version, sha256, source, n_codes FROM codelist_versions ORDER BY concept;
