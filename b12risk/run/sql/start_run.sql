INSERT INTO runs (run_id, extract_id, extract_hash, as_of, started_at, status, package_version,
                  config_source, source, rule_checksums)
VALUES ($run_id, $extract_id, $extract_hash, $as_of, $started_at, 'running', $package_version,
        $config_source, $source, MAP($checksum_names::VARCHAR[], $checksums::VARCHAR[]));
