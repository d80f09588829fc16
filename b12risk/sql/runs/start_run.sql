INSERT INTO runs (run_id, extract_id, extract_hash, as_of, started_at, status, package_version,
                  config_source, source)
VALUES ($run_id, $extract_id, $extract_hash, $as_of, $started_at, 'running', $package_version,
        $config_source, $source);
