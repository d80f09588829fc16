-- validation_failures: every row that broke a rule, with every rule it broke (in registry
-- order). Written batch by batch while validating; dropped with the staging tables.
CREATE OR REPLACE TABLE validation_failures (
    source_table VARCHAR,
    source_row BIGINT,
    rules VARCHAR[]
);
