-- previous_run: the latest other run that was published (by finished_at), if any.
SELECT run_id, as_of
FROM runs
WHERE run_id <> $run_id AND status = 'published'
ORDER BY finished_at DESC NULLS LAST, run_id DESC
LIMIT 1;
