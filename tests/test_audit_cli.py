"""`fsmkit audit` end to end on the demo business: formats, filters, --fail-on and exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from fsmkit.commands import audit as audit_command
from fsmkit.model import Finding, field_names


def findings_of(result: Result) -> list[dict]:
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_json_document_shape_and_window(run: Callable[..., Result]) -> None:
    result = run("--profile", "demo", "audit", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert list(document) == ["as_of", "since", "until", "findings", "summary"]
    assert (document["as_of"], document["since"], document["until"]) == (
        "2026-10-30T16:00:00Z",
        "2026-09-30T16:00:00Z",
        "2026-10-30T16:00:00Z",
    )
    assert all(list(f) == list(field_names(Finding)) for f in document["findings"])
    assert {f["status"] for f in document["findings"]} == {"breached", "at_risk", "not_covered", "flagged"}


def test_the_overdue_p1_and_the_at_risk_job(run: Callable[..., Result]) -> None:
    found = {
        (f["rule"], f["subject"]["id"]): f
        for f in findings_of(run("--profile", "demo", "audit", "--format", "jsonl"))
    }
    p1 = found[("response", "wo-000532")]
    assert (p1["status"], p1["severity"], p1["late_by_minutes"], p1["actual_at"], p1["clock"]) == (
        "breached",
        "critical",
        110,
        None,
        "business",
    )
    at_risk = found[("response", "wo-000529")]
    assert (at_risk["status"], at_risk["remaining_minutes"], at_risk["severity"]) == ("at_risk", 30, "medium")
    assert found[("coverage", "wo-000493")]["status"] == "not_covered"
    assert found[("contract_ending", "CON-002")]["due_at"] == "2026-11-01T00:00:00Z"
    assert found[("pm_due_on_site", "AST-0011")]["work_order_id"] == "wo-000533"


def test_all_shows_every_status(run: Callable[..., Result]) -> None:
    statuses = {
        f["status"] for f in findings_of(run("--profile", "demo", "audit", "--all", "--format", "jsonl"))
    }
    assert statuses == {"met", "breached", "pending", "at_risk", "not_covered", "flagged"}


def test_machine_formats_agree_and_are_stable(run: Callable[..., Result]) -> None:
    args = ("--profile", "demo", "audit", "--since", "365d", "--all")
    jsonl = run(*args, "--format", "jsonl").stdout
    assert jsonl == run(*args, "--format", "jsonl").stdout
    document = json.loads(run(*args, "--format", "json").stdout)
    assert [json.loads(line) for line in jsonl.splitlines()] == document["findings"]
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert list(rows[0]) == list(field_names(Finding))
    assert len(rows) == len(document["findings"])
    assert [json.loads(r["subject"]) for r in rows] == [f["subject"] for f in document["findings"]]


@pytest.mark.parametrize("batch", [1, 7])
def test_work_orders_evaluated_in_batches_give_the_same_findings(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    args = ("--profile", "demo", "audit", "--since", "365d", "--all", "--jobs", "1")
    whole = run(*args, "--format", "json")
    monkeypatch.setattr(audit_command, "BATCH", batch)
    batched = run(*args, "--format", "jsonl")
    assert batched.exit_code == whole.exit_code
    findings = json.loads(whole.stdout)["findings"]
    assert len(findings) > 300 and [json.loads(line) for line in batched.stdout.splitlines()] == findings


@pytest.mark.parametrize("format", ["json", "jsonl", "csv"])
def test_machine_output_writes_every_datetime_in_utc(run: Callable[..., Result], format: str) -> None:
    text = run("--profile", "demo", "audit", "--since", "365d", "--all", "--format", format).stdout
    assert re.findall(r"\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d)", text) == []
    assert len(re.findall(r"T\d\d:\d\d:\d\dZ", text)) > 1000


def test_findings_stream_in_evaluation_order(run: Callable[..., Result]) -> None:
    findings = findings_of(run("--profile", "demo", "audit", "--since", "365d", "--all", "--format", "jsonl"))
    later = [
        i for i, f in enumerate(findings) if f["rule"] in ("pm_interval", "pm_due_on_site", "contract_ending")
    ]
    assert later == list(range(later[0], len(findings)))  # asset and contract findings come last
    keys = [(f["due_at"], f["rule"], f["subject"]["id"]) for f in findings[later[0] :]]
    assert keys == sorted(keys)


def test_summary_counts_every_evaluation_not_only_those_shown(run: Callable[..., Result]) -> None:
    shown = json.loads(run("--profile", "demo", "audit", "--format", "json").stdout)
    everything = json.loads(run("--profile", "demo", "audit", "--all", "--format", "json").stdout)
    assert shown["summary"] == everything["summary"]
    response = [r for r in everything["summary"] if r["account_id"] == "ACC-004" and r["rule"] == "response"]
    assert response == [
        {
            "account_id": "ACC-004",
            "rule": "response",
            "evaluated": 5,
            "met": 2,
            "breached": 2,
            "at_risk": 1,
            "pending": 0,
            "not_covered": 0,
            "compliance": 0.5,
        }
    ]


@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("breached", 1), ("at_risk", 1)])
def test_fail_on(run: Callable[..., Result], fail_on: str | None, code: int) -> None:
    args = ["--profile", "demo", "audit", "--format", "jsonl"] + (["--fail-on", fail_on] if fail_on else [])
    assert run(*args).exit_code == code


def test_fail_on_at_risk_trips_without_breaches_and_flags_never_trip(run: Callable[..., Result]) -> None:
    # In this window on ACC-004 only the at-risk response shows (plus information findings).
    base = (
        "--profile",
        "demo",
        "audit",
        "--since",
        "2026-10-29",
        "--account",
        "ACC-004",
        "--format",
        "jsonl",
    )
    assert {f["status"] for f in findings_of(run(*base))} <= {"at_risk", "flagged"}
    assert run(*base, "--fail-on", "breached").exit_code == 0
    assert run(*base, "--fail-on", "at_risk").exit_code == 1
    flags = (
        "--profile",
        "demo",
        "audit",
        "--kind",
        "contract_ending",
        "--kind",
        "pm_due_on_site",
        "--format",
        "jsonl",
    )
    assert findings_of(run(*flags))
    assert run(*flags, "--fail-on", "at_risk").exit_code == 0


def test_kind_and_account_narrow_the_audit(run: Callable[..., Result]) -> None:
    findings = findings_of(run("--profile", "demo", "audit", "--since", "365d", "--kind", "arrival", "--account", "ACC-003",
                               "--all", "--format", "jsonl"))  # fmt: skip
    assert findings
    assert {(f["rule"], f["account_id"]) for f in findings} == {("arrival", "ACC-003")}


def test_until_and_as_of_replay_the_past(run: Callable[..., Result]) -> None:
    # As of 2026-03-01 the year's later work does not exist yet.
    findings = findings_of(run("--profile", "demo", "--as-of", "2026-03-01", "audit", "--since", "2026-01-01",
                               "--all", "--format", "jsonl"))  # fmt: skip
    opened = [f["evidence"][0]["opened_at"] for f in findings if f["rule"] in ("response", "resolution")]
    assert opened and max(opened) < "2026-03-01"
    assert all(f["actual_at"] is None or f["actual_at"] <= "2026-03-01T00:00:00Z" for f in findings)


def test_table_has_summary_then_findings_worst_first(run: Callable[..., Result]) -> None:
    result = run("--profile", "demo", "audit")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Promises kept, work orders opened 2026-09-30 16:00 UTC to 2026-10-30 16:00 UTC"
    worst = lines.index("Findings, worst first")
    first = lines[worst + 3]
    assert first.split()[:3] == ["critical", "breached", "response"]
    assert "WO0010532 (P1) is still not on site or resolved, 110 business minutes past" in first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "last week"), "fsmkit: error: --since 'last week': expected a date (2026-03-01) or a datetime with an offset (2026-03-01T09:00:00+01:00)\n"),
        (("--until", "2026-10-01T00:00:00"), "fsmkit: error: --until '2026-10-01T00:00:00': expected a date (2026-03-01) or a datetime with an offset (2026-03-01T09:00:00+01:00)\n"),
    ],
)  # fmt: skip
def test_bad_window_is_an_input_error(
    run: Callable[..., Result], args: tuple[str, ...], message: str
) -> None:
    result = run("--profile", "demo", "audit", *args)
    assert (result.exit_code, result.stderr, result.stdout) == (2, message, "")


def test_output_file_is_written_whole(run: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "audit.json"
    result = run("--profile", "demo", "audit", "--format", "json", "--output", str(target))
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(target.read_text())["as_of"] == "2026-10-30T16:00:00Z"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.json", "home"]


def test_bad_data_leaves_no_half_written_output(
    run: Callable[..., Result], tmp_path: Path, config_file: Path
) -> None:
    from fsmkit.demo import DATA_DIR

    folder = tmp_path / "data"
    folder.mkdir()
    for source in DATA_DIR.glob("*.jsonl"):
        (folder / source.name).write_bytes(source.read_bytes())
    lines = (folder / "work_orders.jsonl").read_text().splitlines()
    lines[-3] = lines[-3].replace('"state":"', '"state":"bogus-')
    (folder / "work_orders.jsonl").write_text("\n".join(lines) + "\n")
    config_file.write_text(f'default_profile = "p"\n[profiles.p]\nconnector = "files"\npath = "{folder}"\n'
                           'as_of = "2026-10-30T16:00:00Z"\n')  # fmt: skip
    target = tmp_path / "out.jsonl"
    result = run("audit", "--format", "jsonl", "--output", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"fsmkit: error: {folder}/work_orders.jsonl:{len(lines) - 2}: field state: "
    )
    assert not target.exists()


def test_an_output_file_in_a_missing_folder_is_one_line_and_exit_2(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "out.json"
    result = run("--profile", "demo", "audit", "--format", "json", "--output", str(target))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"fsmkit: error: {target}: cannot write there (No such file or directory); "
        "is the folder there and writable?\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
