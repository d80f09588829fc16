-- record_release: this run's released gap summary cells (release_frame, registered by the
-- caller), replacing any rows of the same run id.
DELETE FROM disclosure_cells WHERE run_id = $run_id;
INSERT INTO disclosure_cells
SELECT $run_id, $as_of, $source, cohort, breakdown, "group", count_column, published
FROM release_frame;
