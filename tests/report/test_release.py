"""The published twin of the reconciliation: the same shape, counts through suppress()."""

from __future__ import annotations

from b12risk.report.disclosure import DisclosurePolicy
from b12risk.report.release import published_reconciliation

EXACT = {
    "patients": {"read": 101, "loaded": 100, "quarantined": 1, "rule_counts": {"sex_allowed": 1}},
    "diagnoses": {"read": 40, "loaded": 40, "quarantined": 0, "rule_counts": {}},
}


def test_small_counts_are_suppressed_with_what_would_reveal_them():
    published = published_reconciliation(EXACT, DisclosurePolicy())
    assert published["patients"] == {
        "read": 100,
        "loaded": None,  # 101 - 100 would give the 1 away
        "quarantined": None,
        "rule_counts": {"sex_allowed": None},
    }
    assert published["diagnoses"] == {
        "read": 40,
        "loaded": 40,
        "quarantined": 0,
        "rule_counts": {},
    }


def test_without_control_the_counts_are_exact():
    published = published_reconciliation(EXACT, DisclosurePolicy(enabled=False))
    assert published["patients"]["quarantined"] == 1
    assert published["patients"]["rule_counts"] == {"sex_allowed": 1}
