"""The status stage: each at-risk patient's screening status at the as-of date
(`screen.screening_status`). The SQL in `sql/` runs in file order (`01_…` first); the
statuses and their precedence are declared once, in `schemas.statuses`."""
