-- foreign_status_rows: rows of screening_status that belong to another run than $run_id (a report
-- must never publish one run's numbers under another run's name).
SELECT count(*) FROM screening_status WHERE run_id IS DISTINCT FROM $run_id;
