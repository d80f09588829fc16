-- previous_release: the gap summary cells of the latest earlier run of the same source (NULL
-- sources are one source), as released: suppressed cells NULL.
WITH earlier AS (
    SELECT run_id, as_of
    FROM disclosure_cells
    WHERE source IS NOT DISTINCT FROM $source
      AND run_id <> $run_id
    GROUP BY run_id, as_of
),

latest AS (
    SELECT run_id FROM earlier ORDER BY as_of DESC, run_id DESC LIMIT 1
),

final AS (
    SELECT d.cohort, d.breakdown, d."group", d.count_column, d.published
    FROM disclosure_cells AS d
    JOIN latest USING (run_id)
)

SELECT * FROM final
