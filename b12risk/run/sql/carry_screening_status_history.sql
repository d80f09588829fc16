-- History carried from the published warehouse (attached read-only as 'published') into the next.
CREATE OR REPLACE TABLE screening_status_history AS SELECT * FROM published.screening_status_history;
