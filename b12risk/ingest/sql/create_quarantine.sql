-- quarantine (history): rows of an extract that broke a rule, with every rule they broke and
-- their raw values. Carried from run to run; never dropped.
CREATE TABLE IF NOT EXISTS quarantine (
    run_id VARCHAR,
    extract_hash VARCHAR,
    source_table VARCHAR,
    source_row BIGINT,
    rules VARCHAR[],
    raw_values VARCHAR
);
