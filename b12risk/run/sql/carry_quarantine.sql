-- History carried from the published warehouse (attached read-only as 'published') into the next.
CREATE OR REPLACE TABLE quarantine AS SELECT * FROM published.quarantine;
