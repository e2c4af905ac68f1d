"""The promises file: calendars and contract promises a platform does not return, for every connector."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import builders
import pytest

from fsmkit.connectors.files import FilesConnector
from fsmkit.errors import InputError
from fsmkit.promises import load_promises_file, overlay

TOML = """
[[calendars]]
id = "cal-ny"
timezone = "America/New_York"
holidays = ["2026-07-03"]
[calendars.weekly]
mon = [["09:00", "17:00"]]

[contracts."SC-2026-001"]          # matched by number
calendar_id = "cal-ny"
promises = [{ id = "resp", kind = "response", target = "PT2H", priorities = ["P1"] }]

[contracts."Silver care"]          # matched by name
promises = []
"""


@pytest.fixture
def connector(tmp_path: Path) -> FilesConnector:
    folder = builders.write_folder(
        tmp_path / "data",
        calendar=[builders.calendar(), builders.calendar(id="cal-ny", timezone="UTC")],
        contract=[builders.contract(), builders.contract(id="con-2", number="SC-2", name="Silver care"),
                  builders.contract(id="con-3", number="SC-3", name="Bronze")],
    )  # fmt: skip
    return FilesConnector(folder)


def test_toml_file_fills_in_and_overrides(connector: FilesConnector, tmp_path: Path) -> None:
    (tmp_path / "promises.toml").write_text(TOML)
    view = overlay(connector, tmp_path / "promises.toml")
    calendars = {c.id: c for c in view.calendars()}
    assert calendars["cal-ny"].timezone == "America/New_York"  # the file's calendar replaces the platform's
    assert calendars["cal-berlin"].timezone == "Europe/Berlin"
    by_id = {c.id: c for c in view.contracts()}
    assert by_id["con-1"].calendar_id == "cal-ny"
    assert [(p.id, p.target) for p in by_id["con-1"].promises] == [("resp", timedelta(hours=2))]
    assert by_id["con-2"].promises == []  # an empty list overrides too
    assert by_id["con-2"].calendar_id == "cal-berlin"  # not given: the platform's stays
    assert [p.id for p in by_id["con-3"].promises] == ["p-response-p1"]  # untouched
    assert view.work_order("nope") is None  # everything else passes through


def test_id_wins_over_number_and_name(connector: FilesConnector, tmp_path: Path) -> None:
    path = tmp_path / "promises.json"
    path.write_text(json.dumps({"contracts": {
        "Bronze": {"promises": [{"id": "by-name", "kind": "response", "target": "PT1H"}]},
        "con-3": {"promises": [{"id": "by-id", "kind": "response", "target": "PT1H"}]},
    }}))  # fmt: skip
    [bronze] = [c for c in overlay(connector, path).contracts() if c.id == "con-3"]
    assert [p.id for p in bronze.promises] == ["by-id"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("p.toml", "contracts = 3", "field contracts: 3 is not of type 'object'"),
        ("p.json", "{", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("p.json", '{"calendars": [{"id": "c", "timezone": "Mars/Base", "weekly": {}}]}',
         "field calendars[0].timezone: unknown time zone 'Mars/Base' (use an IANA name such as Europe/Berlin)"),
    ],
)  # fmt: skip
def test_bad_promises_file_names_file_and_field(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as caught:
        load_promises_file(tmp_path / name)
    assert str(caught.value) == f"{tmp_path / name}: {message}"


def test_missing_promises_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the promises file"):
        load_promises_file(tmp_path / "none.toml")
