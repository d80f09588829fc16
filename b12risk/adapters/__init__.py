"""Adapters: convert public sample data (native Synthea CSV, OMOP CDM v5.3 CSV) into an extract
that follows the b12risk extract contract v1 (docs/extract-format.md, docs/adapters.md).

Identifying columns are never read; patient ids become pseudonymous tokens; the output is the
five contract tables as CSV plus manifest.json, ready for `inspect_extract`.
"""

from b12risk.adapters.omop import omop_to_extract
from b12risk.adapters.synthea import synthea_to_extract

__all__ = ["omop_to_extract", "synthea_to_extract"]
