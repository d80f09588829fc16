-- History carried from the published warehouse (attached read-only as 'published') into the next.
CREATE OR REPLACE TABLE runs AS SELECT * FROM published.runs;
