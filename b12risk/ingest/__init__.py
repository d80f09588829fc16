"""The ingest stage: the extract's structure inspected and its five files staged typed in
DuckDB (`stage`), then every row checked against the contract's rules and the rows that break
one quarantined with their reasons (`validate`)."""
