"""Every schema against good and bad records; the compiled and the explaining validator agree on all."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import builders
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsmkit import schema
from fsmkit.validator import Invalid

GOOD = {
    "brief": [{"as_of": "2026-03-02T13:00:00Z", "timezone": "Europe/Berlin",
               "job": {"work_order_id": "w", "number": None, "kind": "corrective", "priority": "P1", "state": "open",
                       "status": None, "summary": None, "description": None, "opened_at": "2026-03-02T08:15:00Z",
                       "site": None, "booked": None, "pauses": [], "clock": []},
               "customer": None, "equipment": None,
               "promised": {"contract": None, "compliance": {"since": "2025-12-02T13:00:00Z", "met": 0, "breached": 0,
                                                            "compliance": None, "rules": []}},
               "nearby": {"open_work_orders": [], "pm_due": [], "covered_equipment": [], "ending": [], "past_expected_life": []}}],
    "account": [builders.account(), {"id": "a", "name": "Minimal"}, builders.account(contacts=None, feedback=None)],
    "asset": [builders.asset(), {"id": "x", "account_id": "a"}, builders.asset(site=None, installed_on=None)],
    "calendar": [builders.calendar(), builders.calendar(weekly={"mon": [["00:00", "24:00"]]}, holidays=None)],
    "promise": [builders.promise(), {"id": "p", "kind": "arrival"}, builders.promise(kind="arrival", grace="PT15M")],
    "contract": [builders.contract(), builders.contract(promises=None, calendar_id=None, number=None)],
    "visit": [builders.visit(), {"id": "v"}],
    "work_order": [
        builders.work_order(),
        {"id": "w", "account_id": "a", "kind": "install", "state": "open", "opened_at": "2026-01-01T00:00:00Z"},
        builders.work_order(pauses=[{"start": "2026-03-02T10:30:00+01:00", "end": None}], visits=None),
    ],
    "knowledge": [builders.knowledge(), {"id": "k", "model": "m", "title": "t"}],
    "finding": [
        {"rule": "response", "status": "breached", "severity": "critical", "account_id": "a",
         "subject": {"type": "work_order", "id": "w"}, "work_order_id": "w", "promise_id": "p",
         "due_at": "2026-01-01T12:00:00Z", "actual_at": None, "late_by_minutes": 30, "remaining_minutes": None,
         "clock": "business", "evidence": [], "message": "Late."},
        {"rule": "model_defect_suspect", "status": "flagged", "subject": {"type": "model", "id": "CU-7"}},
    ],
    "task": [
        {"key": "fsmkit-0123456789abcdef01234567", "subject": "Call the customer", "description": None,
         "due_on": "2026-11-02", "priority": "P2", "queue": "service_manager",
         "related": {"account_id": "a", "asset_id": None, "work_order_id": "w"}, "rule": "response"},
    ],
    "promises": [
        {"calendars": [builders.calendar()], "contracts": {"SC-1": {"calendar_id": "c", "promises": [builders.promise()]}}},
        {},
    ],
    "config": [{"default_profile": "p", "profiles": {"p": {"connector": "files", "path": "/x"}}}, {}],
    "mapping": [{"work_order": {"table": "wm_order", "filter": "active=true", "fields": {"id": "sys_id", "site.name": "location.name",
                 "priority": {"field": "priority", "map": {"1": "P1", "": None}, "default": "P3"},
                 "resolved_at": {"field": "work_end", "fallback": {"field": "closed_at", "when": {"field": "state", "labels": ["Closed"]}}}}},
                 "account": {"fields": {"feedback": {"field": "u_feedback", "json": True}}}}, {}],
    "rules": [{"rules": {"response.breached": {"enabled": True, "queue": "dispatch", "priority": "P1", "due_in_days": 0,
                                               "subject": "Call {account}", "description": "{facts}", "severities": ["high"]},
                         "coverage": {"enabled": False}}}, {}, {"rules": {}}],
}  # fmt: skip

BAD = {
    "brief": [{"as_of": "2026-03-02T13:00:00Z"}, {"as_of": "2026-03-02T13:00:00Z", "timezone": "UTC", "job": {"state": "done"},
               "customer": None, "promised": {}, "equipment": None, "nearby": {}}],
    "account": [{"name": "no id"}, builders.account(tier=3), builders.account(surname="x"),
                builders.account(feedback=[{"at": "2026-01-01T00:00:00Z", "score": 6}]),
                builders.account(contacts=[{"name": "x", "preferred_channel": "pigeon"}])],
    "asset": [builders.asset(account_id=None), builders.asset(installed_on="1 May 2023"),
              builders.asset(site={"name": "x", "floor": 2}), builders.asset(expected_life_years=0)],
    "calendar": [builders.calendar(timezone=None), builders.calendar(weekly={"monday": []}),
                 builders.calendar(weekly={"mon": [["8:00", "17:00"]]}), builders.calendar(weekly={"mon": [["08:00"]]}),
                 builders.calendar(weekly={"mon": [["08:00", "24:30"]]})],
    "promise": [{"id": "p"}, builders.promise(kind="uptime"), builders.promise(clock="stopwatch"),
                builders.promise(priorities=["urgent"]), builders.promise(pausable="yes")],
    "contract": [builders.contract(starts_on=None), builders.contract(promises=[{"id": "p", "kind": "nope"}]),
                 builders.contract(ends_on="2026-13")],
    "visit": [{"technician": "x"}, builders.visit(outcome="great")],
    "work_order": [builders.work_order(kind="repair"), builders.work_order(state="done"),
                   builders.work_order(priority="P6"), builders.work_order(opened_at=None),
                   builders.work_order(pauses=[{"end": "2026-03-02T10:45:00+01:00"}]),
                   builders.work_order(visits=[{"id": "v", "arrival": "x"}]), builders.work_order(id="")],
    "knowledge": [{"id": "k", "model": "m"}],
    "finding": [{"rule": "response", "status": "late", "subject": {"type": "work_order", "id": "w"}},
                {"rule": "response", "status": "met", "subject": {"type": "planet", "id": "w"}},
                {"rule": "response", "status": "met", "subject": {"type": "work_order", "id": "w"}, "late_by_minutes": -1}],
    "task": [{"key": "abc", "subject": "x"}, {"key": "fsmkit-0123456789abcdef01234567", "subject": ""}],
    "promises": [{"contracts": {"SC-1": {"promises": [{"id": "p"}]}}}, {"calendar": []}],
    "config": [{"profiles": {"p": {"path": "/x"}}}, {"default_profile": 1}, {"defualt_profile": "p"}],
    "mapping": [{"wrok_order": {}}, {"work_order": {"fields": {"id": ""}}}, {"work_order": {"fields": {"priority": {"map": {}}}}},
                {"work_order": {"fields": {"state": {"field": "state", "label": "yes"}}}}, {"asset": {"table": ""}}],
    "rules": [{"rules": {"coverage": {"enabled": "no"}}}, {"rules": {"callback": {"colour": "red"}}}, {"rule": {}},
              {"rules": {"callback": {"due_in_days": -1}}}, {"rules": {"callback": {"priority": "urgent"}}},
              {"rules": {"callback": {"severities": ["none"]}}}, {"rules": {"callback": {"subject": ""}}}],
}  # fmt: skip


def cases(table: dict) -> list:
    return [
        pytest.param(name, record, id=f"{name}-{i}")
        for name, records in table.items()
        for i, record in enumerate(records)
    ]


@pytest.mark.parametrize(("name", "record"), cases(GOOD))
def test_good_records_pass_both_validators(name: str, record: dict) -> None:
    schema.compiled(name)(record)
    assert schema.first_error(name, record) is None


@pytest.mark.parametrize(("name", "record"), cases(BAD))
def test_bad_records_fail_both_validators(name: str, record: dict) -> None:
    with pytest.raises(Invalid):
        schema.compiled(name)(record)
    assert schema.first_error(name, record) is not None


def test_every_schema_has_good_and_bad_fixtures() -> None:
    documents = set(schema.names()) - {"common"}
    assert documents <= GOOD.keys()
    assert documents <= BAD.keys()


@pytest.mark.parametrize("name", schema.names())
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    document = schema.load(name)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)


def test_errors_name_the_field() -> None:
    record = builders.work_order(visits=[builders.visit(outcome="great")])
    field, message = schema.first_error("work_order", record)
    assert field == "visits[0].outcome"
    assert "'great' is not one of" in message
    assert schema.first_error("account", builders.account(surname="x")) == (
        None,
        "unknown field surname (fields fsmkit has no name for go under extra)",
    )
    assert schema.first_error("visit", builders.visit(arrival="x")) == (None, "unknown field arrival")
    assert schema.first_error("account", {"name": "n"}) == (None, "'id' is missing")


def test_schemas_ship_from_one_source() -> None:
    """The schemas in use are byte-identical to schemas/ of the checkout (the wheel copies them at build)."""
    checkout = Path(__file__).resolve().parent.parent / "schemas"
    for path in checkout.glob("*.schema.json"):
        assert (schema.schema_dir() / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in checkout.glob("*.schema.json")) == sorted(
        p.name for p in schema.schema_dir().glob("*.schema.json")
    )
    json.loads((schema.schema_dir() / "work_order.schema.json").read_text())


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False) | st.text(max_size=3)
    | st.sampled_from(["", "P1", "open", "corrective", "08:00", "24:00", "2026-01-01", "fsmkit-" + "a" * 24]),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=3), children, max_size=2),
    max_leaves=4,
)  # fmt: skip


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON value, itself included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


@settings(derandomize=True, deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_validator_agrees_with_jsonschema_on_mutations(data: st.DataObject) -> None:
    """Change one place of a good record (replace, delete or add a field): both validators say the same."""
    name, record = data.draw(st.sampled_from([(n, r) for n, rs in GOOD.items() for r in rs]))
    record = copy.deepcopy(record)
    path = data.draw(st.sampled_from(paths(record)))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    new = data.draw(JSON_VALUES)
    if not path:
        record = new if action == "replace" else record
    else:
        parent = record
        for part in path[:-1]:
            parent = parent[part]
        if action == "replace":
            parent[path[-1]] = new
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][data.draw(st.sampled_from(["id", "zz", "name", "type"]))] = new
    assert schema.is_valid(name, record) == (schema.first_error(name, record) is None), record
