"""Property tests: the SQL cohort engine agrees with the pure-Python reference
(tests/reference/cohorts.py) on random patients, with dates drawn near every boundary."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b12risk.cohorts.flag import build_concept_events, flag_cohorts, install_macros
from b12risk.sql import run_sql
from tests.reference import cohorts as ref

from .tables import MEMBERSHIP_COLUMNS, load

# code -> (concept, code_system, source_table)
RX_CODES = {
    "metformin": [("A10BA02", "metformin")],
    "acid": [("A02BC01", "acid_suppressants"), ("A02BA02", "acid_suppressants")],
    "other": [("M04AC01", "other_risk_medicines"), ("N03AX11", "other_risk_medicines")],
    "nitrous": [("N01AX13", "nitrous_oxide")],
}
CODED = [
    ("diagnoses", "ICD10", "K50.1", "malabsorption_conditions"),
    ("diagnoses", "ICD10", "K90.0", "malabsorption_conditions"),
    ("diagnoses", "ICD10", "Z90.3", "gastric_surgery"),
    ("procedures", "OPCS4", "G28.1", "gastric_surgery"),
    ("procedures", "ICD10", "K50.1", "malabsorption_conditions"),
    ("diagnoses", "SNOMED", "46635009", "autoimmune_conditions"),
    ("diagnoses", "ICD10CM", "F18.10", "nitrous_oxide"),
    ("diagnoses", "SNOMED", "234360003", "vegan_diet"),
]
DATE_COLUMN = {"diagnoses": "recorded_on", "procedures": "performed_on"}

START_OFFSETS = [-1275, -1274, -1095, -1094, -910, -909, -730, -729, -208, -207, 0, 1]
SUPPLIES = [1, 28, 56, 84, 729, 730, 1094, 1095]
GAPS = [-400, -10, 0, 29, 30, 31, 32]

offsets = st.one_of(
    st.sampled_from(START_OFFSETS), st.integers(-1600, 20), st.sampled_from([-1, 0, 1])
)
supplies = st.one_of(st.none(), st.sampled_from(SUPPLIES), st.integers(1, 1200))
gaps = st.one_of(st.sampled_from(GAPS), st.integers(-60, 60))


@st.composite
def random_chains(draw, drug):
    """Prescriptions of one drug class: each starts `gap` days after the previous covered end
    (days strictly between), so eras meet the 30/31-day boundary."""
    offset = draw(offsets)
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        code, concept = draw(st.sampled_from(RX_CODES[drug]))
        supply = draw(supplies)
        rows.append((offset, code, concept, supply))
        offset = offset + (supply or 28) + draw(gaps)
    return rows


@st.composite
def boundary_chains(draw, drug):
    """One era of exactly a boundary length (730/1095 and one day either side; a single
    prescription of any supply for current use) ending exactly near a boundary (180/181
    days before D, at D, after D), in one or two back-to-back prescriptions."""
    end = draw(st.sampled_from([-181, -180, -179, -1, 0, 1, 30]))
    if drug == "other":
        supply = draw(st.sampled_from([None, 1, 28, 90]))
        code, concept = draw(st.sampled_from(RX_CODES[drug]))
        return [(end - (supply or 28) + 1, code, concept, supply)]
    length = draw(st.sampled_from([729, 730, 731, 1094, 1095, 1096]))
    start = end - length + 1
    first = draw(st.one_of(st.just(length), st.integers(1, length - 1)))
    pieces = [(start, first)] + ([(start + first, length - first)] if first < length else [])
    return [(offset, *draw(st.sampled_from(RX_CODES[drug])), supply) for offset, supply in pieces]


@st.composite
def chains(draw, drug=None):
    drug = drug or draw(st.sampled_from(sorted(RX_CODES)))
    if drug != "nitrous" and draw(st.booleans()):
        return draw(boundary_chains(drug))
    return draw(random_chains(drug))


@st.composite
def patients(draw, as_of: date):
    """Half the patients are plainly in the population (registered, alive); the others have
    registration, deregistration and death dates at or near D."""
    ages = st.one_of(st.sampled_from([15, 16, 17, 74, 75, 76]), st.integers(0, 100))
    months = st.one_of(st.none(), st.sampled_from([as_of.month, as_of.month % 12 + 1]))
    near = st.one_of(st.none(), st.sampled_from([-1, 0, 1]), st.integers(-3000, 300))
    day = lambda offset: None if offset is None else as_of + timedelta(days=offset)  # noqa: E731
    plain = draw(st.booleans())
    patient = ref.Patient(
        patient_id="",
        year_of_birth=as_of.year - (50 if plain and draw(st.booleans()) else draw(ages)),
        month_of_birth=draw(st.one_of(months, st.integers(1, 12))),
        registered_on=None if plain else day(draw(near)),
        deregistered_on=None if plain else day(draw(near)),
        died_on=None if plain else day(draw(near)),
    )
    coded = draw(st.lists(st.tuples(st.sampled_from(CODED), offsets), max_size=3))
    rx = draw(st.lists(chains(), max_size=3))
    return patient, coded, rx


def as_rows(as_of: date, drawn) -> tuple[dict, list, list]:
    tables = {"patients": [], "diagnoses": [], "procedures": [], "prescriptions": []}
    patients, events = [], []
    for n, (patient, coded, rx) in enumerate(drawn):
        pid = f"p{n}"
        patient = ref.Patient(**{**patient.__dict__, "patient_id": pid})
        patients.append(patient)
        tables["patients"].append(patient.__dict__)
        for (source, system, code, concept), offset in coded:
            on = as_of + timedelta(days=offset)
            tables[source].append(
                {"patient_id": pid, "code_system": system, "code": code, DATE_COLUMN[source]: on}
            )
            events.append(ref.Event(pid, concept, source, system, code, on))
        for chain in rx:
            for offset, code, concept, supply in chain:
                on = as_of + timedelta(days=offset)
                tables["prescriptions"].append(
                    {
                        "patient_id": pid,
                        "code_system": "ATC",
                        "code": code,
                        "issued_on": on,
                        "days_supply": supply,
                    }
                )
                events.append(ref.Event(pid, concept, "prescriptions", "ATC", code, on, supply))
    return tables, patients, events


def sql_members(con, cohort: str) -> dict[str, ref.Membership]:
    """{patient_id: Membership} of one cohort (every column but cohort and run_id)."""
    fields = [c for c in MEMBERSHIP_COLUMNS if c not in ("cohort", "run_id")]
    rel = con.table("cohort_membership").filter(duckdb.ColumnExpression("cohort") == cohort)
    return {row[0]: ref.Membership(*row[1:]) for row in rel.select(*fields).fetchall()}


as_of_dates = st.dates(date(2020, 1, 1), date(2030, 12, 31))
examples = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_sql_agrees_with_the_reference(config):
    """Every cohort's members and evidence, the population and any_cohort (one connection for
    the test: each example replaces every input and output table)."""
    cohorts = config.enabled_cohorts

    @examples
    @given(data=st.data(), as_of=as_of_dates)
    def check(data, as_of):
        drawn = data.draw(st.lists(patients(as_of), min_size=1, max_size=6))
        tables, people, events = as_rows(as_of, drawn)
        load(con, as_of, **tables)
        result = flag_cohorts(con, config, as_of, "run-p")
        population, expected = ref.flag(
            people, events, as_of, cohorts, config.population, config.eras
        )
        assert result.population == len(population)
        for cohort in cohorts:
            assert sql_members(con, cohort.name) == expected[cohort.name], cohort.name
        assert result.any_cohort == len(set().union(*(m.keys() for m in expected.values())))

    with duckdb.connect() as con:
        check()


def test_eras_agree_with_the_reference():
    """Every era of several patients' PPI/H2RA prescriptions, for three max_gap_days."""

    @examples
    @given(
        rx=st.lists(st.lists(chains("acid"), min_size=1, max_size=4), min_size=1, max_size=6),
        as_of=as_of_dates,
        max_gap_days=st.sampled_from([0, 30, 31]),
    )
    def check(rx, as_of, max_gap_days):
        drawn = [(ref.Patient("", as_of.year - 50), [], chains_of_one) for chains_of_one in rx]
        tables, _, events = as_rows(as_of, drawn)
        load(con, as_of, **tables)
        build_concept_events(con, as_of)
        run_sql(con, "cohorts/engine/population", as_of=as_of, min_age=16, default_birth_month=7)
        install_macros(con)
        got = con.execute(
            "SELECT patient_id, era_start, era_end, era_days, era_prescriptions "
            "FROM drug_eras($concepts, $as_of, 28, $max_gap_days) ORDER BY patient_id, era_start",
            {"concepts": ["acid_suppressants"], "as_of": as_of, "max_gap_days": max_gap_days},
        ).fetchall()
        expected = []
        for n in range(len(rx)):
            known = [e for e in events if e.patient_id == f"p{n}" and e.event_date <= as_of]
            eras = ref.drug_eras(known, as_of, max_gap_days=max_gap_days)
            expected += [(f"p{n}", e.start, e.end, e.days, e.prescriptions) for e in eras]
        assert got == sorted(expected)

    with duckdb.connect() as con:
        check()
