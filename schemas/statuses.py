"""The screening statuses, declared once: name, precedence, gap or not, priority, label and the
rule in words. Everything else reads this table: the status SQL's CASE (a test checks that its
branches come in this order), the output contract, the report's labels and method notes, the
worklists and the docs table in docs/screening.md (a test checks it too).

Precedence is the order of STATUSES: a patient takes the first status that applies.
`priority` orders the gaps by clinical urgency for worklists (1 first); statuses that are not a
gap have none. `applies_when` is a template over the `[screening]` settings of the config
(`{due_soon_days}`), so the report states the thresholds its run used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SETTING = re.compile(r"\{([a-z0-9_]+)\}")
_TESTS = ("b12_tests", "b12_second_line_tests")
_LOCAL_POLICY = "Local policy: NICE NG239 sets no screening interval (docs/screening.md)"


@dataclass(frozen=True)
class Status:
    name: str
    gap: bool
    priority: int | None  # gaps only: 1 is the most urgent
    label: str  # for people reading the report
    applies_when: str  # the rule in words; `{setting}` names a [screening] setting
    codelists: tuple[str, ...] = ()  # the concepts the rule reads
    citation: str = ""

    @property
    def settings(self) -> tuple[str, ...]:
        """The [screening] settings the rule's words name."""
        return tuple(dict.fromkeys(_SETTING.findall(self.applies_when)))

    def rule_text(self, screening: dict) -> str:
        """The rule in words with the run's settings filled in."""
        return self.applies_when.format_map(_Settings(screening))


class _Settings(dict):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


STATUSES: tuple[Status, ...] = (
    Status(
        "excluded_on_treatment",
        gap=False,
        priority=None,
        label="On B12 treatment (not a gap)",
        applies_when="a B12 treatment was issued 0 to {treatment_lookback_days} days before the "
        "as-of date",
        codelists=("b12_treatment",),
        citation="NICE NG239: people on B12 replacement are monitored, not screened",
    ),
    Status(
        "abnormal_untreated",
        gap=True,
        priority=1,
        label="Low B12 result, not treated",
        applies_when="the latest B12 test was low (total B12 below "
        "{total_b12_deficient_below_pmol_l} pmol/L, active B12 below "
        "{active_b12_deficient_below_pmol_l} pmol/L; NICE NG239) and no treatment was issued on "
        "or after it",
        codelists=(*_TESTS, "b12_treatment"),
        citation="NICE NG239 (2024): total B12 < 180 ng/L (133 pmol/L), active B12 < 25 pmol/L",
    ),
    Status(
        "never_tested",
        gap=True,
        priority=2,
        label="Never tested",
        applies_when="no B12 test on record",
        codelists=_TESTS,
        citation=_LOCAL_POLICY,
    ),
    Status(
        "overdue",
        gap=True,
        priority=3,
        label="Overdue for a test",
        applies_when="the as-of date is after the due date (the latest test is older than the "
        "testing interval)",
        codelists=_TESTS,
        citation=_LOCAL_POLICY + "; BOMSS 2020 after bariatric surgery (bariatric_schedule)",
    ),
    Status(
        "due_soon",
        gap=False,
        priority=None,
        label="Test due soon",
        applies_when="the due date is 0 to {due_soon_days} days after the as-of date",
        codelists=_TESTS,
        citation=_LOCAL_POLICY,
    ),
    Status(
        "up_to_date",
        gap=False,
        priority=None,
        label="Up to date",
        applies_when="none of the above",
        codelists=_TESTS,
        citation=_LOCAL_POLICY,
    ),
)

STATUS_BY_NAME: dict[str, Status] = {s.name: s for s in STATUSES}
SCREENING_STATUSES: tuple[str, ...] = tuple(s.name for s in STATUSES)
GAP_STATUSES: tuple[str, ...] = tuple(s.name for s in STATUSES if s.gap)
STATUS_LABELS: dict[str, str] = {s.name: s.label for s in STATUSES}
