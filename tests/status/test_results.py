"""Spec tests of what counts as a test, unit conversion, the deficiency cut-offs, the latest test
on a day with several, and the second-line option (as-of date D = 2025-06-30)."""

from __future__ import annotations

from .tables import expect, given, run, statuses


def test_units_are_converted_to_pmol_l_or_left_unjudged(con):
    given(
        con,
        """
        patient_id | event      | event_date | value | unit
        ng         | total_mass | D-10       | 200   | ng/L
        pg         | total_mass | D-10       | 200   | pg/mL
        pmol       | total      | D-10       | 200   | pmol/L
        upper      | total      | D-10       | 200   | PMOL/L
        spaced     | total_mass | D-10       | 200   | " Ng / l "
        padded     | total      | D-10       | 200   | "  pmol/L  "
        unknown    | total      | D-10       | 200   | nmol/L
        no_unit    | total      | D-10       | 200   |
        no_value   | total      | D-10       |       | pmol/L
        low_odd    | total      | D-10       | 50    | mmol/L
        """,
    )
    result = run(con)
    expect(
        con,
        """
        patient_id | status     | last_result_pmol_l | last_result_judged | last_test_on
        ng         | up_to_date | 147.6              | true               | D-10
        pg         | up_to_date | 147.6              | true               | D-10
        pmol       | up_to_date | 200                | true               | D-10
        upper      | up_to_date | 200                | true               | D-10
        spaced     | up_to_date | 147.6              | true               | D-10
        padded     | up_to_date | 200                | true               | D-10
        unknown    | up_to_date |                    | false              | D-10
        no_unit    | up_to_date |                    | false              | D-10
        no_value   | up_to_date |                    | false              | D-10
        low_odd    | up_to_date |                    | false              | D-10
        """,
    )
    assert result.n_unknown_unit_results == 3  # unknown, no_unit, low_odd
    assert result.n_results_without_value == 1  # no_value


def test_deficient_strictly_below_the_nice_cut_offs(con):
    given(
        con,
        """
        patient_id  | event      | event_date | value | unit
        total_133   | total      | D-10       | 133.0 | pmol/L
        total_132_9 | total      | D-10       | 132.9 | pmol/L
        ng_180      | total_mass | D-10       | 180   | ng/L
        ng_181      | total_mass | D-10       | 181   | ng/L
        active_25   | active     | D-10       | 25.0  | pmol/L
        active_24_9 | active     | D-10       | 24.9  | pmol/L
        active_100  | active     | D-10       | 100   | pmol/L
        """,
    )
    run(con)
    # 180 ng/L is 132.84 pmol/L: below 133, so deficient (docs/screening.md, "Cut-offs").
    expect(
        con,
        """
        patient_id  | status             | last_result_pmol_l
        total_133   | up_to_date         | 133.0
        total_132_9 | abnormal_untreated | 132.9
        ng_180      | abnormal_untreated | 132.84
        ng_181      | up_to_date         | 133.578
        active_25   | up_to_date         | 25.0
        active_24_9 | abnormal_untreated | 24.9
        active_100  | up_to_date         | 100
        """,
    )


def test_cut_offs_follow_the_configuration(con):
    given(con, "patient_id | event | event_date | value | unit\nt | total | D-10 | 140 | pmol/L")
    run(con, total_b12_deficient_below_pmol_l=148.0)
    assert statuses(con) == {"t": "abnormal_untreated"}


def test_only_the_latest_test_is_judged(con):
    given(
        con,
        """
        patient_id | event | event_date | value | unit
        recovered  | total | D-100      | 100   | pmol/L
        recovered  | total | D-10       | 300   | pmol/L
        relapsed   | total | D-100      | 300   | pmol/L
        relapsed   | total | D-10       | 100   | pmol/L
        """,
    )
    run(con)
    assert statuses(con) == {"recovered": "up_to_date", "relapsed": "abnormal_untreated"}


def test_on_a_day_with_several_tests_the_worst_result_is_the_latest(con):
    given(
        con,
        """
        patient_id  | event      | event_date | value | unit
        two_totals  | total      | D-10       | 300   | pmol/L
        two_totals  | total      | D-10       | 120   | pmol/L
        low_active  | total      | D-10       | 140   | pmol/L
        low_active  | active     | D-10       | 20    | pmol/L
        two_normal  | total      | D-10       | 300   | pmol/L
        two_normal  | total_mass | D-10       | 300   | ng/L
        one_judged  | total      | D-10       | 300   | pmol/L
        one_judged  | total      | D-10       | 50    | furlongs
        none_judged | total_mass | D-10       |       | ng/L
        none_judged | total      | D-10       | 50    | furlongs
        """,
    )
    run(con)
    expect(
        con,
        """
        patient_id  | status             | last_test_code | last_result_pmol_l | last_result_judged
        two_totals  | abnormal_untreated | 14685-2        | 120                | true
        low_active  | abnormal_untreated | 72160-5        | 20                 | true
        two_normal  | up_to_date         | 2132-9         | 221.4              | true
        one_judged  | up_to_date         | 14685-2        | 300                | true
        none_judged | up_to_date         | 14685-2        |                    | false
        """,
    )


SECOND_LINE = """
patient_id    | event        | event_date | value | unit
mma_only      | mma          | D-10       | 0.3   | umol/L
hcy_only      | homocysteine | D-10       | 12    | umol/L
mma_after_low | total        | D-20       | 100   | pmol/L
mma_after_low | mma          | D-10       | 0.5   | umol/L
"""


def test_mma_and_homocysteine_are_not_tests_by_default(con):
    given(con, SECOND_LINE)
    result = run(con)
    expect(
        con,
        """
        patient_id    | status             | last_test_code | last_result_judged
        mma_only      | never_tested       |                | false
        hcy_only      | never_tested       |                | false
        mma_after_low | abnormal_untreated | 14685-2        | true
        """,
    )
    assert result.n_unknown_unit_results == 0


def test_mma_and_homocysteine_are_tests_never_judged_with_the_option(con):
    given(con, SECOND_LINE)
    result = run(con, count_second_line_tests=True)
    expect(
        con,
        """
        patient_id    | status     | last_test_code | last_result_pmol_l | last_result_judged | due_on
        mma_only      | up_to_date | 13964-2        |                    | false              | D+355
        hcy_only      | up_to_date | 13965-9        |                    | false              | D+355
        mma_after_low | up_to_date | 13964-2        |                    | false              | D+355
        """,  # noqa: E501
    )
    assert (result.n_unknown_unit_results, result.n_results_without_value) == (0, 0)
