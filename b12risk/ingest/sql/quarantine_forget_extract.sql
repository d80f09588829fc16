-- A rerun of the same extract replaces its quarantine rows instead of adding to them.
DELETE FROM quarantine WHERE extract_hash = $extract_hash;
