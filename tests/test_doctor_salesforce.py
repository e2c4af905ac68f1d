"""`fsmkit doctor` on the Salesforce connector, against the emulator serving the demo business: every field
a mapped kind reads is checked in its object's describe, and holidays that cannot be told apart per
calendar are said in one line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from emulators.demo_to_salesforce import CUSTOM_FIELDS, MAPPING, convert, load_folder
from emulators.salesforce import CLIENT_SECRET, CONSUMER_KEY, SalesforceEmulator, Soql

from fsmkit.demo import DATA_DIR

# One field of every kind the connector reads, overridden to one the org lacks (a relationship's field
# for the asset's model and the technician).
MISSING = {
    "account": ("Account", "notes", "No_Notes__c"),
    "contact": ("Contact", "role", "No_Title__c"),
    "asset": ("Asset", "model", "Product2.No_Name__c"),
    "contract_line": ("ContractLineItem", "contract_id", "No_Contract__c"),
    "calendar": ("BusinessHours", "timezone", "No_Zone__c"),
    "holiday": ("Holiday", "date", "No_Date__c"),
    "contract": ("ServiceContract", "name", "No_Name__c"),
    "entitlement": ("Entitlement", "calendar_id", "No_Hours__c"),
    "work_order": ("WorkOrder", "summary", "No_Subject__c"),
    "visit": ("ServiceAppointment", "notes", "No_Note__c"),
    "assignment": ("AssignedResource", "technician", "ServiceResource.No_Name__c"),
    "pause": ("WorkOrderHistory", "at", "No_Created__c"),
    "task": ("Task", "subject", "No_Subject__c"),
    "knowledge": ("Knowledge_Note__c", "summary", "No_Summary__c"),
}
NOTICE = (
    "every Holiday applies to every BusinessHours: Salesforce's API does not say which business hours a "
    "holiday belongs to; map holiday.parent to a lookup that does (docs/salesforce.md)"
)


@pytest.fixture
def org() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator(convert(load_folder(DATA_DIR)), custom_fields=CUSTOM_FIELDS) as running:
        yield running


@pytest.fixture
def profile(
    org: SalesforceEmulator, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[dict[str, Any]], None]:
    """Write an `sf` profile for the emulator with this mapping."""
    monkeypatch.setenv("SF_CLIENT_SECRET", CLIENT_SECRET)

    def write(mapping: dict[str, Any]) -> None:
        lines = [
            "[profiles.sf]",
            'connector = "salesforce"',
            f'instance_url = "{org.url}"',
            'auth = "oauth"',
            f'client_id = "{CONSUMER_KEY}"',
            'client_secret_env = "SF_CLIENT_SECRET"',
            "retry_max_seconds = 30",
        ]
        for kind, entry in mapping.items():
            lines.append(f"[profiles.sf.mapping.{kind}]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in entry.items() if key != "fields"]
            lines.append(f"[profiles.sf.mapping.{kind}.fields]")
            lines += [f'"{name}" = {_toml(spec)}' for name, spec in entry.get("fields", {}).items()]
        config_file.write_text("\n".join(lines) + "\n")

    return write


def _toml(spec: Any) -> str:
    if isinstance(spec, dict):
        return "{ " + ", ".join(f"{key} = {_toml(value)}" for key, value in spec.items()) + " }"
    return json.dumps(spec)


def with_missing(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping with each kind's MISSING field overridden."""
    merged = {kind: {**entry, "fields": dict(entry.get("fields", {}))} for kind, entry in mapping.items()}
    for kind, (_, name, field) in MISSING.items():
        merged.setdefault(kind, {"fields": {}})["fields"][name] = field
    return merged


def test_a_missing_field_of_every_kind_is_reported_naming_kind_object_and_field(
    run: Callable[..., Result], profile: Callable[[dict[str, Any]], None], org: SalesforceEmulator
) -> None:
    profile(with_missing(MAPPING))
    org.hide_fields("BusinessHours", "MondayStartTime")  # field-level security: not readable by the user
    result = run("--profile", "sf", "doctor", "--format", "json")
    assert result.exit_code == 2, result.stderr  # the mapping (or the user's field access) is wrong: input
    checks = json.loads(result.stdout)["checks"]
    assert all(c["ok"] for c in checks if c["name"].startswith("read "))
    failed = {c["name"]: c for c in checks if not c["ok"]}
    problem = "no such field, or not visible to the user"
    expected = {
        f"fields {sobject}": f"{kind}: {problem}: {field}" for kind, (sobject, _, field) in MISSING.items()
    }
    expected["fields BusinessHours"] += ", MondayStartTime"  # the weekly hours are read too, mapped or not
    assert {name: c["detail"] for name, c in failed.items()} == expected
    assert {(c["kind"], c["hint"]) for c in failed.values()} == {
        ("input", "correct the profile's mapping (or the integration user's field access)")
    }
    names = [c["name"] for c in checks]
    assert "Task.Fsmkit_Key__c" in names and "holidays" not in names  # holidays: once the rest passes
    assert result.stderr == f"{len(checks)} checks, {len(expected)} failed\n"
    # describes only, each object once, however many kinds and relationship paths lead to it
    paths = [r.path for r in org.requests if r.path != "/services/oauth2/token"]
    assert all(p.endswith("/describe") for p in paths) and len(paths) == len(set(paths)) == 17


def test_objects_read_only_in_place_of_a_mapped_field_are_not_checked(
    run: Callable[..., Result], profile: Callable[[dict[str, Any]], None], org: SalesforceEmulator
) -> None:
    mapping = with_missing(MAPPING)
    mapping["asset"]["fields"]["contract_id"] = "AssetId"  # any field will do: ContractLineItem is not read
    mapping["contract"]["fields"]["calendar_id"] = "Id"  # nor Entitlement
    mapping["visit"]["fields"]["technician"] = "Id"  # nor AssignedResource
    profile(mapping)
    checks = json.loads(run("--profile", "sf", "doctor", "--format", "json").stdout)["checks"]
    names = {c["name"] for c in checks}
    assert not {"read ContractLineItem", "read Entitlement", "read AssignedResource"} & names
    assert "fields WorkOrder" in names


def test_doctor_says_in_one_line_when_holidays_cannot_be_told_apart(
    run: Callable[..., Result], profile: Callable[[dict[str, Any]], None], org: SalesforceEmulator
) -> None:
    profile({kind: entry for kind, entry in MAPPING.items() if kind != "holiday"})  # no holiday lookup
    assert len(org.objects["BusinessHours"]) > 1 and org.objects["Holiday"]
    result = run("--profile", "sf", "doctor", "--format", "json")
    assert result.exit_code == 0, result.stdout  # a notice, not a failure
    holidays = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "holidays"]
    assert holidays == [{"name": "holidays", "ok": True, "detail": NOTICE, "hint": None, "kind": "input"}]
    queries = [r.query["q"] for r in org.requests if r.path.endswith("/query")]
    assert queries == ["SELECT Id FROM BusinessHours LIMIT 2", "SELECT Id FROM Holiday LIMIT 1"]
    table = run("--profile", "sf", "doctor")
    assert "every Holiday applies to every BusinessHours" in table.stdout


@pytest.mark.parametrize("keep", ["one calendar", "no holiday", "a holiday lookup"])
def test_no_holiday_notice_when_every_holiday_is_placed_right(
    run: Callable[..., Result], profile: Callable[[dict[str, Any]], None], org: SalesforceEmulator, keep: str
) -> None:
    mapping = {
        kind: entry for kind, entry in MAPPING.items() if kind != "holiday" or keep == "a holiday lookup"
    }
    if keep == "one calendar":
        org.objects["BusinessHours"] = org.objects["BusinessHours"][:1]
    elif keep == "no holiday":
        org.objects["Holiday"] = []
    profile(mapping)
    result = run("--profile", "sf", "doctor", "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert "holidays" not in {c["name"] for c in json.loads(result.stdout)["checks"]}


def test_the_emulator_describes_references_and_hides_fields_as_field_level_security_does(
    org: SalesforceEmulator,
) -> None:
    asset = {f["name"]: f for f in org.describe("Asset")["fields"]}
    assert (asset["Product2Id"]["relationshipName"], asset["Product2Id"]["referenceTo"]) == (
        "Product2",
        ["Product2"],
    )
    assert asset["SerialNumber"]["type"] == "string" and "referenceTo" not in asset["SerialNumber"]
    holiday = {
        f["name"]: f for f in org.describe("Holiday")["fields"]
    }  # a custom lookup, typed by its values
    assert holiday["Business_Hours__c"]["relationshipName"] == "Business_Hours__r"
    assert holiday["Business_Hours__c"]["referenceTo"] == ["BusinessHours"]
    org.hide_fields("Asset", "SerialNumber")
    assert "SerialNumber" not in {f["name"] for f in org.describe("Asset")["fields"]}
    with pytest.raises(ValueError, match="No such column 'SerialNumber' on entity 'Asset'"):
        org.query(Soql.parse("SELECT Id, SerialNumber FROM Asset"))
