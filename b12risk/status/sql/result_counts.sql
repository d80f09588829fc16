-- B12 results (total or active B12, b12_tests) of the patients in scope that count as a test but
-- cannot be judged: no value at all, or a value whose unit cannot be converted to pmol/L.
-- The two counts do not overlap (no value is counted first). MMA and homocysteine are not
-- counted: they are never judged by the B12 cut-offs.
SELECT count(*) FILTER (WHERE value IS NULL) AS n_results_without_value,
       count(*) FILTER (WHERE value IS NOT NULL AND NOT unit_known) AS n_unknown_unit_results
FROM status_test_results
WHERE concept = 'b12_tests';
