"""The Prefect flow in process: reruns, readers during a run, kills mid-run, point in time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from b12risk.run import warehouse
from tests.e2e.conftest import AS_OF

pytestmark = pytest.mark.slow

STATUS = "SELECT patient_id, status, cohorts, due_on FROM screening_status ORDER BY patient_id"
COHORTS = "SELECT patient_id, cohort, rule FROM cohort_membership ORDER BY ALL"


def run_flow(extract, tmp_path, **kwargs):
    from flows.pipeline import pipeline

    return pipeline(
        extract_dir=str(extract),
        as_of=kwargs.pop("as_of", AS_OF),
        warehouse_path=str(tmp_path / "wh.duckdb"),
        reports_dir=str(tmp_path / "reports"),
        **kwargs,
    )


def flow_state(extract, tmp_path):
    """The final state of a flow run (a refusal is a Failed state, not an exception)."""
    from flows.pipeline import pipeline

    return pipeline(
        extract_dir=str(extract),
        as_of=AS_OF,
        warehouse_path=str(tmp_path / "wh.duckdb"),
        reports_dir=str(tmp_path / "reports"),
        return_state=True,
    )


def query(path: Path, sql: str, **params):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_rerunning_the_same_extract_duplicates_nothing(prefect_harness, sample_extract, tmp_path):
    first = run_flow(sample_extract, tmp_path)
    assert first.status == "published"
    wh = tmp_path / "wh.duckdb"
    status_1, cohorts_1 = query(wh, STATUS), query(wh, COHORTS)
    counts_1 = query(wh, "SELECT count(*) FROM patients")
    second = run_flow(sample_extract, tmp_path)
    assert second.status == "published" and second.run_id != first.run_id
    assert query(wh, STATUS) == status_1
    assert query(wh, COHORTS) == cohorts_1
    assert query(wh, "SELECT count(*) FROM patients") == counts_1
    assert query(wh, "SELECT count(*) FROM runs WHERE status = 'published'") == [(2,)]
    assert query(
        wh,
        "SELECT count(*) FROM (SELECT patient_id, as_of FROM screening_status_history "
        "GROUP BY ALL HAVING count(*) > 1)",
    ) == [(0,)]
    assert query(
        wh,
        "SELECT count(*) FROM (SELECT source_table, source_row FROM quarantine "
        "GROUP BY ALL HAVING count(*) > 1)",
    ) == [(0,)]


def test_an_analyst_reading_during_a_run_is_never_blocked(
    prefect_harness, sample_extract, tmp_path
):
    assert run_flow(sample_extract, tmp_path).status == "published"
    wh = tmp_path / "wh.duckdb"
    analyst = duckdb.connect(str(wh), read_only=True)
    try:
        before = analyst.execute("SELECT run_id FROM runs").fetchall()
        outcome = run_flow(sample_extract, tmp_path, as_of=AS_OF - timedelta(days=30))
        assert outcome.status == "published"
        assert analyst.execute("SELECT run_id FROM runs").fetchall() == before
    finally:
        analyst.close()
    assert len(query(wh, "SELECT run_id FROM runs")) == 2


def test_an_earlier_as_of_ignores_later_events(prefect_harness, sample_extract, tmp_path):
    earlier = AS_OF - timedelta(days=400)
    assert run_flow(sample_extract, tmp_path, as_of=earlier).status == "published"
    wh = tmp_path / "wh.duckdb"
    later = query(
        wh,
        "SELECT count(*) FROM cohort_membership WHERE evidence_date > $d OR era_start > $d",
        d=earlier,
    )
    assert later == [(0,)]
    assert query(wh, "SELECT count(*) FROM concept_events WHERE event_date > $d", d=earlier) == [
        (0,)
    ]
    assert query(
        wh, "SELECT count(*) FROM screening_status WHERE last_test_on > $d", d=earlier
    ) == [(0,)]


def test_a_run_killed_mid_way_leaves_the_published_warehouse_intact(
    prefect_harness, sample_extract, tmp_path
):
    assert run_flow(sample_extract, tmp_path).status == "published"
    wh = tmp_path / "wh.duckdb"
    before = wh.read_bytes()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            str(sample_extract),
            "--as-of",
            AS_OF.isoformat(),
            "--warehouse",
            str(wh),
            "--reports",
            str(tmp_path / "reports"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    deadline = time.monotonic() + 120
    while not warehouse.next_path(wh).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # well inside the load
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert wh.read_bytes() == before
    assert query(wh, "SELECT count(*) FROM runs") == [(1,)]
    again = run_flow(sample_extract, tmp_path)
    assert again.status == "published"
    assert query(wh, "SELECT count(*) FROM runs WHERE status = 'published'") == [(2,)]


def test_each_run_records_its_summary_and_aggregates_as_prefect_artifacts(
    prefect_harness, sample_extract, tmp_path
):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    outcome = run_flow(sample_extract, tmp_path)
    assert outcome.status == "published"
    with get_client(sync_client=True) as client:
        summary = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["b12risk-summary"]))
        )
        table = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["b12risk-gap-summary"]))
        )
    assert summary and summary[-1].type == "markdown"
    assert table and table[-1].type == "table"
    published = str(table[-1].data)
    assert "n_at_risk" in published and "patient_id" not in published
    assert "PLANT-" not in published + str(summary[-1].data)


def test_a_changed_extract_replaces_the_published_extract_tables(
    prefect_harness, sample_extract, extract_copy, tmp_path
):
    assert run_flow(sample_extract, tmp_path).status == "published"
    wh = tmp_path / "wh.duckdb"
    before = query(wh, "SELECT count(*) FROM diagnoses")[0][0]
    diagnoses = extract_copy / "diagnoses.csv"
    lines = diagnoses.read_text().splitlines()
    kept = lines[: len(lines) // 2]  # header and the first half of the rows
    diagnoses.write_text("\n".join(kept) + "\n")
    outcome = run_flow(extract_copy, tmp_path)
    assert outcome.status == "published"
    assert query(wh, "SELECT count(*) FROM diagnoses")[0][0] == len(kept) - 1 < before
    hashes = query(wh, "SELECT count(DISTINCT extract_hash) FROM runs")
    assert hashes == [(2,)]


def test_a_refused_extract_is_a_failed_flow_run_with_the_refusal_as_its_message(
    prefect_harness, extract_copy, tmp_path
):
    (extract_copy / "procedures.csv").write_bytes(b"")  # a zero-byte file
    state = flow_state(extract_copy, tmp_path)
    assert state.is_failed()
    assert "procedures.csv" in state.message
    assert state.result(raise_on_failure=False).status == "refused"
    assert not (tmp_path / "wh.duckdb").exists()
    assert not warehouse.next_path(tmp_path / "wh.duckdb").exists()


def test_quarantined_rows_are_a_warning_in_the_completed_run_state(
    prefect_harness, extract_copy, tmp_path
):
    path = extract_copy / "procedures.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",yesterday"
    path.write_text("\n".join(lines) + "\n")
    state = flow_state(extract_copy, tmp_path)
    assert state.is_completed()
    assert "procedures.csv" in state.message and "performed_on_date" in state.message
    assert state.result().status == "published"


def test_a_mostly_quarantined_table_is_a_failed_run_and_publishes_nothing(
    prefect_harness, extract_copy, tmp_path
):
    path = extract_copy / "lab_results.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    value = header.index("value")
    rows = [ln.split(",") for ln in lines[1:]]
    for row in rows:
        row[value] = "12,5"  # a decimal comma, quoted as one field
    path.write_text(
        "\n".join([lines[0], *(",".join(f'"{v}"' if "," in v else v for v in r) for r in rows)])
        + "\n"
    )
    state = flow_state(extract_copy, tmp_path)
    assert state.is_failed()
    assert "lab_results.csv" in state.message and "value_number" in state.message
    assert "value looks like a number with a decimal comma" in state.message
    assert not (tmp_path / "wh.duckdb").exists()
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").iterdir())


def test_a_rerun_reports_change_since_the_previous_different_run(
    prefect_harness, sample_extract, tmp_path
):
    """A quarter earlier, then the extract's date, then the same again: the rerun compares with
    the run a quarter earlier (its history is intact), not with itself."""
    earlier = run_flow(sample_extract, tmp_path, as_of=AS_OF - timedelta(days=91))
    first = run_flow(sample_extract, tmp_path)
    again = run_flow(sample_extract, tmp_path)
    assert {earlier.status, first.status, again.status} == {"published"}
    manifests = [
        json.loads((Path(o.reports_dir) / "manifest.json").read_text()) for o in (first, again)
    ]
    html = [(Path(o.report_html)).read_text() for o in (first, again)]
    assert earlier.run_id in html[0] and earlier.run_id in html[1]
    assert manifests[0]["as_of"] == manifests[1]["as_of"]
