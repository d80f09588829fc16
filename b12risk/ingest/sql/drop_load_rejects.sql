-- The TEMP reject tables of one CSV load, once their records are in staging_rejects.
DROP TABLE IF EXISTS staging_load_errors;
DROP TABLE IF EXISTS staging_load_scans;
