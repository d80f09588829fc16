-- run_counts: this run's row of the runs table (rows read, loaded and quarantined per table).
SELECT * FROM runs WHERE run_id = $run_id;
