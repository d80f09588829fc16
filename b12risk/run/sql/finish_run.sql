UPDATE runs SET status = $status, finished_at = $finished_at WHERE run_id = $run_id;
