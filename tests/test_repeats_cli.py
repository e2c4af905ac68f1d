"""`fsmkit repeats` end to end on the demo business: the planted stories, filters, formats, exit codes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from click.testing import Result

from fsmkit.model import Finding, field_names


def document(run: Callable[..., Result], *args: str) -> dict:
    result = run("--profile", "demo", "repeats", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def by_key(doc: dict) -> dict[tuple[str, str], dict]:
    return {(f["rule"], f["subject"]["id"]): f for f in doc["findings"]}


def test_json_document_and_the_four_stories(run: Callable[..., Result]) -> None:
    doc = document(run)
    assert list(doc) == ["as_of", "since", "window", "threshold", "callback_days", "findings"]
    assert (doc["as_of"], doc["since"]) == ("2026-10-30T16:00:00Z", "2025-10-30T16:00:00Z")
    assert {f["rule"] for f in doc["findings"]} == {
        "repeat_failure",
        "callback",
        "repeat_account",
        "model_defect_suspect",
    }
    assert all(f["status"] == "flagged" and list(f) == list(field_names(Finding)) for f in doc["findings"])
    found = by_key(doc)
    model = found[("model_defect_suspect", "ArcticFlow CU-7")]["evidence"][0]
    assert (model["failures"], model["rate_ratio"] >= 2, model["p_value"] < 1e-10) == (70, True, True)
    assert len(model["accounts"]) >= 3 and len(model["serials"]) == 10
    assert ("model_defect_suspect", "ChillPro WCC-900") not in found  # the noisy small model
    assert ("repeat_failure", "AST-0025") in found  # three failures exactly 90 days apart
    assert ("repeat_failure", "AST-0078") not in found  # 90 days and a minute
    assert ("callback", "wo-000468") in found
    assert ("callback", "wo-000433") not in found  # opened while wo-000432 was unresolved
    keys = [(f["rule"], f["subject"]["id"]) for f in doc["findings"]]
    assert keys == sorted(keys)


def test_by_picks_the_rules(run: Callable[..., Result]) -> None:
    rules = {
        by: {f["rule"] for f in document(run, "--by", by)["findings"]} for by in ("asset", "account", "model")
    }
    assert rules == {"asset": {"repeat_failure", "callback"}, "account": {"repeat_account"},
                     "model": {"model_defect_suspect"}}  # fmt: skip


def test_account_narrows_what_is_shown_never_the_fleet_rates(run: Callable[..., Result]) -> None:
    everyone = by_key(document(run))
    one = document(run, "--account", "ACC-004")
    assert {f["account_id"] for f in one["findings"] if f["rule"] != "model_defect_suspect"} == {"ACC-004"}
    assert by_key(one)[("repeat_account", "ACC-004")] == everyone[("repeat_account", "ACC-004")]
    assert ("model_defect_suspect", "ArcticFlow CU-7") in by_key(one)  # the model is installed there
    assert document(run, "--account", "ACC-011", "--by", "model")["findings"] == []


def test_parameters_change_the_findings(run: Callable[..., Result]) -> None:
    def clusters(*args: str) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for f in document(run, "--by", "asset", *args)["findings"]:
            if f["rule"] == "repeat_failure":
                found.setdefault(f["subject"]["id"], []).append(len(f["evidence"]))
        return found

    default, strict = clusters(), clusters("--threshold", "5")
    assert strict and set(strict) < set(default)
    assert min(n for sizes in strict.values() for n in sizes) >= 5
    assert clusters("--threshold", "6") == {}  # the demo's worst asset has at most 5 failures in any 90 days
    assert not [
        f
        for f in document(run, "--callback-days", "0", "--by", "asset")["findings"]
        if f["rule"] == "callback"
    ]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 0),
        (("--fail-on", "flagged"), 1),
        (("--fail-on", "flagged", "--account", "ACC-011", "--by", "model"), 0),
    ],
)
def test_fail_on_flagged(run: Callable[..., Result], args: tuple[str, ...], code: int) -> None:
    assert run("--profile", "demo", "repeats", "--format", "jsonl", *args).exit_code == code


def test_machine_formats_agree_and_are_stable(run: Callable[..., Result]) -> None:
    jsonl = run("--profile", "demo", "repeats", "--format", "jsonl").stdout
    assert jsonl == run("--profile", "demo", "repeats", "--format", "jsonl").stdout
    assert [json.loads(line) for line in jsonl.splitlines()] == document(run)["findings"]
    rows = list(csv.DictReader(io.StringIO(run("--profile", "demo", "repeats", "--format", "csv").stdout)))
    assert len(rows) == len(jsonl.splitlines())


def test_table_ranks_worst_first(run: Callable[..., Result]) -> None:
    lines = run("--profile", "demo", "repeats").stdout.splitlines()
    assert lines[0] == "Corrective work orders opened 2025-10-30 to 2026-10-30"
    top = lines[lines.index("Assets failing again and again") + 3]
    assert "failed 8 times" in top
    model = lines[lines.index("Models failing across the fleet") + 3]
    assert "ArcticFlow CU-7 fails 3.9x as often as the rest of the fleet" in model


def test_bad_window_is_an_input_error(run: Callable[..., Result]) -> None:
    result = run("--profile", "demo", "repeats", "--window", "ninety days")
    assert (result.exit_code, result.stderr) == (
        2,
        "fsmkit: error: --window 'ninety days': expected a span such as 30d, 12w or 36h\n",
    )
