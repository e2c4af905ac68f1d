"""`fsmkit doctor --mapping` prints the merged field mapping; `doctor` reports a mapped field the platform
does not return (against the ServiceNow emulator serving the demo business)."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from emulators.demo_to_servicenow import convert, load_folder
from emulators.servicenow import PASSWORD, USERNAME, ServiceNowEmulator

from fsmkit.connectors.servicenow import MAPPING_FILE
from fsmkit.demo import DATA_DIR

DEFAULTS = tomllib.loads(MAPPING_FILE.read_text())

PROFILE = """\
[profiles.sn]
connector = "servicenow"
instance_url = "{url}"
username = "{username}"
password_env = "SN_PASSWORD"
task_table = "u_fsm_followup"
retry_max_seconds = 30

[profiles.sn.mapping.work_order]
filter = "active=true"
[profiles.sn.mapping.work_order.fields]
resolved_at = "u_restored_at"
priority = {{ field = "u_urgency", map = {{ "1" = "P1", "2" = "P2" }} }}
"""


@pytest.fixture
def emulator() -> Iterator[ServiceNowEmulator]:
    with ServiceNowEmulator(convert(load_folder(DATA_DIR))) as running:
        yield running


@pytest.fixture
def profile(
    config_file: Path, emulator: ServiceNowEmulator, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], None]:
    monkeypatch.setenv("SN_PASSWORD", PASSWORD)

    def write(text: str = PROFILE) -> None:
        config_file.write_text(text.format(url=emulator.url, username=USERNAME))

    return write


def test_json_is_the_defaults_with_the_profile_overrides_merged_in(
    run: Callable[..., Result], profile: Callable[..., None], emulator: ServiceNowEmulator
) -> None:
    profile()
    result = run("--profile", "sn", "doctor", "--mapping", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["profile"], document["connector"]) == ("sn", "servicenow")
    mapping = document["mapping"]
    assert set(mapping) == set(DEFAULTS)
    order = mapping["work_order"]
    assert order["table"] == "wm_order" and order["filter"] == "active=true"
    assert order["fields"]["resolved_at"] == "u_restored_at"
    assert order["fields"]["priority"] == {"field": "u_urgency", "map": {"1": "P1", "2": "P2"}}
    # untouched fields and kinds keep their defaults, in the shape of the mapping file
    for name, spec in DEFAULTS["work_order"]["fields"].items():
        if name not in ("resolved_at", "priority"):
            assert order["fields"][name] == spec, name
    assert mapping["visit"] == DEFAULTS["visit"]
    assert mapping["calendar"] == DEFAULTS["calendar"]
    # the profile's task_table is the table tasks go to
    assert mapping["task"]["table"] == "u_fsm_followup"
    assert emulator.requests == []  # printing the mapping asks the platform nothing


def test_table_and_csv_list_one_row_per_field(
    run: Callable[..., Result], profile: Callable[..., None]
) -> None:
    profile()
    table = run("--profile", "sn", "doctor", "--mapping")
    assert table.exit_code == 0, table.stderr
    assert "u_restored_at" in table.stdout
    assert '{ field = "u_urgency", map = { 1 = "P1", 2 = "P2" } }' in table.stdout  # as TOML, bare keys
    rows = list(
        csv.DictReader(io.StringIO(run("--profile", "sn", "doctor", "--mapping", "--format", "csv").stdout))
    )
    assert len(rows) == sum(len(entry.get("fields", {})) for entry in DEFAULTS.values())
    by_field = {(r["kind"], r["field"]): r for r in rows}
    assert by_field[("visit", "technician")] == {"kind": "visit", "table": "wm_task", "filter": "",
                                                 "parent": "parent", "field": "technician",
                                                 "source": "assigned_to.name"}  # fmt: skip
    assert by_field[("work_order", "resolved_at")]["filter"] == "active=true"
    lines = run("--profile", "sn", "doctor", "--mapping", "--format", "jsonl").stdout.splitlines()
    assert len(lines) == len(rows) and json.loads(lines[0])["kind"] == "account"


def test_a_connector_without_a_mapping_says_so(run: Callable[..., Result]) -> None:
    table = run("--profile", "demo", "doctor", "--mapping")
    assert (table.exit_code, table.stdout) == (0, "")
    assert (
        table.stderr == "the files connector has no field mapping: it reads canonical records as they are\n"
    )
    document = json.loads(run("--profile", "demo", "doctor", "--mapping", "--format", "json").stdout)
    assert document == {"profile": "demo", "connector": "files", "mapping": None}


def test_doctor_reports_a_mapped_field_the_platform_does_not_return(
    run: Callable[..., Result], profile: Callable[..., None]
) -> None:
    profile(
        PROFILE.replace('filter = "active=true"\n', "").replace('task_table = "u_fsm_followup"\n', "")
        + '\n[profiles.sn.mapping.asset.fields]\nserial = "u_no_such_serial"\n'
    )
    result = run("--profile", "sn", "doctor", "--format", "json")
    assert result.exit_code == 2, result.stderr  # a mapping problem is an input error
    failed = {c["name"]: c for c in json.loads(result.stdout)["checks"] if not c["ok"]}
    assert set(failed) == {"fields wm_order", "fields alm_asset"}
    assert failed["fields wm_order"]["detail"] == "work_order: not returned: u_urgency, u_restored_at"
    assert failed["fields alm_asset"]["detail"] == "asset: not returned: u_no_such_serial"
    assert failed["fields alm_asset"]["kind"] == "input"
    assert (
        failed["fields alm_asset"]["hint"] == "correct the profile's mapping (or the API user's field access)"
    )
    table = run("--profile", "sn", "doctor")
    assert "asset: not returned: u_no_such_serial" in table.stdout
    assert table.stderr.endswith("checks, 2 failed\n")


# The profile without its overrides or its task table.
BASE = PROFILE.replace('task_table = "u_fsm_followup"\n', "").split("\n[profiles.sn.mapping")[0] + "\n"

# One field of every kind the ServiceNow connector reads, overridden to one the instance lacks (a
# dot-walked one for promises, whose fields all come through the SLA definition).
MISSING = {
    "account": ("customer_account", "notes", "u_no_notes"),
    "contact": ("customer_contact", "role", "u_no_title"),
    "asset": ("alm_asset", "serial", "u_no_serial"),
    "calendar": ("cmn_schedule", "timezone", "u_no_time_zone"),
    "contract": ("ast_contract", "name", "u_no_name"),
    "promise": ("contract_rel_contract_sla", "target", "contract_sla.u_no_duration"),
    "work_order": ("wm_order", "summary", "u_no_summary"),
    "visit": ("wm_task", "notes", "u_no_close_notes"),
    "pause": ("sys_audit", "at", "u_no_created_on"),
    "task": ("sn_customerservice_task", "subject", "u_no_short_description"),
    "knowledge": ("kb_knowledge", "summary", "u_no_summary"),
}


def test_doctor_reports_a_missing_field_of_every_kind_naming_kind_table_and_field(
    run: Callable[..., Result], profile: Callable[..., None], emulator: ServiceNowEmulator
) -> None:
    overrides = "".join(
        f'\n[profiles.sn.mapping.{kind}.fields]\n{name} = "{field}"\n'
        for kind, (_, name, field) in MISSING.items()
        if kind != "knowledge"
    )
    knowledge = (
        '\n[profiles.sn.mapping.knowledge]\ntable = "kb_knowledge"\n[profiles.sn.mapping.knowledge.fields]\n'
    )
    knowledge += 'id = "sys_id"\nmodel = "u_model"\ntitle = "short_description"\nsummary = "u_no_summary"\n'
    profile(BASE + overrides + knowledge)
    task_fields = ("correlation_id", "short_description", "description", "due_date", "priority", "assignment_group",
                   "account", "parent")  # fmt: skip
    emulator.insert("sn_customerservice_task", dict.fromkeys(task_fields, ""))  # a row has every column
    for row in emulator.tables["cmn_schedule_span"]:  # a field the API user may not read
        del row["days_of_week"]
    result = run("--profile", "sn", "doctor", "--format", "json")
    assert result.exit_code == 2, result.stderr  # the mapping (or the user's field access) is wrong: input
    checks = json.loads(result.stdout)["checks"]
    assert all(c["ok"] for c in checks if c["name"].startswith("read "))
    failed = {c["name"]: c for c in checks if not c["ok"]}
    expected = {
        f"fields {table}": f"{kind}: not returned: {field}" for kind, (table, _, field) in MISSING.items()
    }
    expected["fields cmn_schedule_span"] = "calendar spans and holidays: not returned: days_of_week"
    assert {name: c["detail"] for name, c in failed.items()} == expected
    assert {c["kind"] for c in failed.values()} == {"input"}
    assert "api_user_timezone" not in {c["name"] for c in checks}  # compared only once the rest passes
    assert result.stderr == f"{len(checks)} checks, {len(expected)} failed\n"


def test_an_empty_table_is_said_not_failed(
    run: Callable[..., Result], profile: Callable[..., None], emulator: ServiceNowEmulator
) -> None:
    profile(BASE)
    emulator.tables["wm_task"] = []
    result = run("--profile", "sn", "doctor", "--format", "json")
    assert result.exit_code == 0, result.stdout
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["fields wm_task"]["ok"] and checks["fields wm_task"]["detail"] == (
        "visit: no row to check the mapped fields against (none yet, or none matches the filter)"
    )
