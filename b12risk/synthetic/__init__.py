"""Synthetic extracts: a deterministic generator built inside DuckDB (`generate`), with
hand-designed planted patients and their expected answers (`planted`)."""
