"""The report stage: disclosure-controlled aggregates, the HTML report and, on request, practice
worklists. The flow calls `write_reports`."""

from b12risk.report.outputs import ReportResult, write_reports

__all__ = ["ReportResult", "write_reports"]
