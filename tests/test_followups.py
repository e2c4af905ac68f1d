"""Findings -> follow-up tasks: every finding kind, exact idempotency keys, rules files, due dates."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import builders
import pytest

from fsmkit import followups
from fsmkit.errors import InputError
from fsmkit.followups import Context, Rules, finding_from, key_material, load_rules, next_open_day, plan
from fsmkit.model import Finding, Related, Subject, parse_asset, parse_calendar, parse_contract

AS_OF = datetime(2026, 10, 30, 16, 0, tzinfo=UTC)  # a Friday


def key(material: str) -> str:
    """DESIGN.md "Idempotency keys", computed here independently of fsmkit."""
    return "fsmkit-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def wo_evidence(number: str = "WO-0001") -> dict[str, Any]:
    return {"work_order_id": "wo-1", "number": number, "priority": "P1", "opened_at": "2026-10-29T08:15:00Z"}


def finding(rule: str, status: str, **fields: Any) -> Finding:
    data: dict[str, Any] = {"rule": rule, "status": status, "severity": "medium", "account_id": "acc-1",
                            "subject": {"type": "work_order", "id": "wo-1"}, **fields}  # fmt: skip
    return finding_from(data)


# Every finding kind of audit and repeats, with the key material DESIGN.md pins for it.
KINDS = [
    ("response", "breached", {"work_order_id": "wo-1", "promise_id": "p-response-p1", "late_by_minutes": 45,
                              "clock": "business", "due_at": "2026-10-29T12:15:00Z", "evidence": [wo_evidence()]},
     "response|wo-1|p-response-p1", "service_manager", "Call Bäckerei Huber about WO-0001: the response promise was broken"),
    ("response", "at_risk", {"work_order_id": "wo-1", "promise_id": "p-response-p1", "evidence": [wo_evidence()]},
     "response|wo-1|p-response-p1", "dispatch",
     "Get someone to WO-0001 for Bäckerei Huber now: the response promise is at risk"),
    ("resolution", "breached", {"work_order_id": "wo-1", "promise_id": "p-fix", "evidence": [wo_evidence()]},
     "resolution|wo-1|p-fix", "service_manager", "Call Bäckerei Huber about WO-0001: the resolution promise was broken"),
    ("resolution", "at_risk", {"work_order_id": "wo-1", "promise_id": "p-fix", "evidence": [wo_evidence()]},
     "resolution|wo-1|p-fix", "dispatch", "Resolve WO-0001 for Bäckerei Huber soon: the resolution promise is at risk"),
    ("arrival", "breached", {"subject": {"type": "visit", "id": "v-1"}, "work_order_id": "wo-1",
                             "promise_id": "p-arrive", "late_by_minutes": 75, "clock": "wall"},
     "arrival|v-1|p-arrive", "service_manager", "Apologise to Bäckerei Huber: the booked arrival window of wo-1 was missed"),
    ("coverage", "not_covered", {"work_order_id": "wo-1", "evidence": [wo_evidence()]},
     "coverage|wo-1", "sales", "Bäckerei Huber: WO-0001 was done with no contract in force; bill it or offer one"),
    ("pm_interval", "breached", {"subject": {"type": "asset", "id": "ast-1"}, "promise_id": "p-pm",
                                 "due_at": "2026-10-11T22:30:00Z"},
     "pm_interval|ast-1|2026-10-11", "dispatch", "Preventive maintenance of Cold room 1 missed its interval (due 2026-10-11)"),
    ("pm_interval", "at_risk", {"subject": {"type": "asset", "id": "ast-1"}, "promise_id": "p-pm",
                                "due_at": "2026-11-09T07:00:00+01:00"},
     "pm_interval|ast-1|2026-11-09", "dispatch", "Schedule the preventive maintenance of Cold room 1 before 2026-11-09"),
    ("pm_due_on_site", "flagged", {"subject": {"type": "asset", "id": "ast-1"}, "work_order_id": "wo-1",
                                   "promise_id": "p-pm", "due_at": "2026-11-09T23:30:00-01:00",
                                   "evidence": [wo_evidence()]},
     "pm_due_on_site|ast-1|2026-11-10", "dispatch", "Do the preventive maintenance of Cold room 1 on the visit for WO-0001"),
    ("contract_ending", "flagged", {"subject": {"type": "contract", "id": "con-1"}, "due_at": "2026-12-31T23:00:00Z",
                                    "evidence": [{"contract_id": "con-1", "number": "SC-2026-001", "name": "Gold care",
                                                  "starts_on": "2026-01-01", "ends_on": "2026-12-31"}]},
     "contract_ending|con-1|2026-12-31", "sales", "Renewal: Bäckerei Huber's contract SC-2026-001 ends on 2026-12-31"),
    ("callback", "flagged", {"work_order_id": "wo-2", "subject": {"type": "work_order", "id": "wo-2"},
                             "evidence": [wo_evidence(), {"work_order_id": "wo-2", "number": "WO-0002"}]},
     "callback|wo-2", "service_manager", "Callback on WO-0002 for Bäckerei Huber: the previous fix did not stick"),
    ("repeat_failure", "flagged", {"subject": {"type": "asset", "id": "ast-1"}, "work_order_id": "wo-1",
                                   "evidence": [wo_evidence(), {"work_order_id": "wo-2"}, {"work_order_id": "wo-3"}]},
     "repeat_failure|ast-1|wo-1", "service_manager", "Escalate Cold room 1 of Bäckerei Huber: 3 failures close together"),
    ("repeat_account", "flagged", {"subject": {"type": "account", "id": "acc-1"},
                                   "evidence": [{"affected_assets": ["ast-1"], "failures": 7}]},
     "repeat_account|acc-1|2026-Q4", "service_manager", "Review Bäckerei Huber: assets failing again and again"),
    ("model_defect_suspect", "flagged", {"account_id": None, "severity": "critical",
                                         "subject": {"type": "model", "id": "ArcticFlow CU-7"},
                                         "evidence": [{"model": "ArcticFlow CU-7", "failures": 12}]},
     "model_defect_suspect|ArcticFlow CU-7|2026-Q4", "engineering",
     "Investigate ArcticFlow CU-7: it fails far more often than the rest of the fleet"),
]  # fmt: skip


def task_severity(rule: str) -> str:
    return "critical" if rule == "model_defect_suspect" else "medium"


def context(**calendar_fields: Any) -> Context:
    return Context(
        accounts={"acc-1": "Bäckerei Huber"},
        assets={"ast-1": parse_asset(builders.asset())},
        contracts=[parse_contract(builders.contract())],
        calendars={"cal-berlin": parse_calendar(builders.calendar(**calendar_fields))},
    )


@pytest.mark.parametrize(("rule", "status", "fields", "material", "queue", "subject"), KINDS,
                         ids=[f"{k[0]}-{k[1]}" for k in KINDS])  # fmt: skip
def test_every_finding_kind_becomes_a_task_with_its_exact_key(
    rule: str, status: str, fields: dict[str, Any], material: str, queue: str, subject: str
) -> None:
    (planned,) = plan([finding(rule, status, **fields)], Rules(), AS_OF, context())
    task = planned.task
    assert (task.key, task.queue, task.subject, task.rule, planned.skipped) == (
        key(material),
        queue,
        subject,
        rule,
        False,
    )
    assert task.priority == ("P1" if rule == "model_defect_suspect" else "P3")
    assert task.description is not None and task.description.endswith(
        f"Finding: {rule} {status} ({task_severity(rule)})"
    )


def test_descriptions_carry_the_evidence() -> None:
    rule, status, fields, *_ = KINDS[0]
    fields = {
        **fields,
        "message": "WO-0001 (P1) was on site 45 business minutes after its response deadline.",
    }
    (planned,) = plan([finding(rule, status, **fields)], Rules(), AS_OF, context())
    assert planned.task.description == (
        "WO-0001 (P1) was on site 45 business minutes after its response deadline.\n\n"
        "Account: Bäckerei Huber\nWork order: WO-0001\nContract: SC-2026-001\nDue: 2026-10-29 12:15 UTC\n"
        "Late by: 45 business minutes\nEvidence:\n"
        "- work_order_id: wo-1, number: WO-0001, priority: P1, opened_at: 2026-10-29T08:15:00Z\n"
        "Finding: response breached (medium)"
    )
    assert planned.task.related == Related("acc-1", None, "wo-1")


def test_at_risk_and_breached_of_one_promise_are_one_task() -> None:
    fields = {"work_order_id": "wo-1", "promise_id": "p-response-p1"}
    at_risk, breached = finding("response", "at_risk", **fields), finding("response", "breached", **fields)
    assert key_material(at_risk, AS_OF) == key_material(breached, AS_OF) == "response|wo-1|p-response-p1"
    assert len(plan([at_risk, breached], Rules(), AS_OF)) == 1


def test_met_and_pending_findings_make_no_task() -> None:
    fields = {"work_order_id": "wo-1", "promise_id": "p"}
    assert (
        plan([finding("response", "met", **fields), finding("response", "pending", **fields)], Rules(), AS_OF)
        == []
    )


def test_quarter_keys_change_with_the_quarter_of_as_of_never_with_the_run() -> None:
    account = finding("repeat_account", "flagged", subject={"type": "account", "id": "acc-1"})
    assert key_material(account, datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == "repeat_account|acc-1|2026-Q4"
    assert key_material(account, datetime(2027, 1, 1, tzinfo=UTC)) == "repeat_account|acc-1|2027-Q1"
    assert (
        followups.task_key("coverage|wo-1")
        == key("coverage|wo-1")
        == "fsmkit-" + hashlib.sha256(b"coverage|wo-1").hexdigest()[:24]
    )


def test_a_finding_without_its_key_material_is_an_input_error() -> None:
    with pytest.raises(
        InputError, match="a response finding of wo-1 has no promise_id, which its task key needs"
    ):
        plan([finding("response", "breached", work_order_id="wo-1")], Rules(), AS_OF)


# -- due dates ----------------------------------------------------------------------------------------


def test_due_on_moves_past_weekends_and_holidays_of_the_contracts_calendar() -> None:
    fields = {"work_order_id": "wo-1", "promise_id": "p-response-p1"}
    breached = finding("response", "breached", **fields)  # due in 1 day: Saturday 2026-10-31
    (planned,) = plan([breached], Rules(), AS_OF, context())
    assert planned.task.due_on == date(2026, 11, 2)  # Monday
    (planned,) = plan([breached], Rules(), AS_OF, context(holidays=["2026-11-02", "2026-11-03"]))
    assert planned.task.due_on == date(2026, 11, 4)
    (planned,) = plan([breached], Rules(), AS_OF)  # no contract known: plain days
    assert planned.task.due_on == date(2026, 10, 31)


def test_as_of_date_is_read_in_the_calendars_zone() -> None:
    late_evening = datetime(2026, 10, 29, 23, 30, tzinfo=UTC)  # Friday 00:30 in Berlin
    fields = {"work_order_id": "wo-1", "promise_id": "p-response-p1"}
    (planned,) = plan([finding("response", "at_risk", **fields)], Rules(), late_evening, context())
    assert planned.task.due_on == date(2026, 10, 30)


def test_next_open_day() -> None:
    calendar = parse_calendar(builders.calendar())
    assert next_open_day(calendar, date(2026, 4, 2)) == date(2026, 4, 2)  # Thursday
    # Good Friday, the weekend, Easter Monday:
    assert next_open_day(calendar, date(2026, 4, 3)) == date(2026, 4, 7)


# -- rules files -------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rules_file_overrides_extends_and_switches_off(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path / "rules.toml", """
[rules."response.breached"]
queue = "dispatch"
priority = "P1"
due_in_days = 3
subject = "Escalate {work_order} ({late_by} late)"
description = "{message}"

[rules.coverage]
enabled = false

[rules.callback]
subject = "Callback: {work_order}"

[rules.response]
queue = "service_manager"

[rules."response.pending"]
subject = "Watch {work_order}"
due_in_days = 0
"""))  # fmt: skip
    fields = {"work_order_id": "wo-1", "promise_id": "p", "late_by_minutes": 90, "clock": "business",
              "evidence": [wo_evidence()], "message": "Late."}  # fmt: skip
    findings = [finding("response", "breached", **fields), finding("coverage", "not_covered", work_order_id="wo-9"),
                finding("response", "pending", **{**fields, "work_order_id": "wo-2"}),
                finding("response", "met", **{**fields, "work_order_id": "wo-3"}),
                finding("callback", "flagged", work_order_id="wo-1", evidence=[wo_evidence()])]  # fmt: skip
    breached, coverage, pending, callback = plan(findings, rules, AS_OF, context())
    assert (breached.task.queue, breached.task.priority, breached.task.due_on, breached.task.subject) == (
        "dispatch",
        "P1",
        date(2026, 11, 2),
        "Escalate WO-0001 (1 business hour 30 min late)",
    )
    assert breached.task.description == "Late."
    assert (coverage.skipped, coverage.task.key) == (True, key("coverage|wo-9"))
    assert (pending.task.subject, pending.task.queue, pending.skipped) == (
        "Watch wo-2",
        "service_manager",
        False,
    )
    assert (callback.task.subject, callback.task.queue) == ("Callback: WO-0001", "service_manager")


def test_severities_narrow_a_rule_in_json(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path / "rules.json", json.dumps(
        {"rules": {"arrival.breached": {"severities": ["medium", "high", "critical"]}}})))  # fmt: skip
    fields = {"subject": {"type": "visit", "id": "v-1"}, "work_order_id": "wo-1", "promise_id": "p"}
    low, medium = (
        finding("arrival", "breached", **{**fields, "severity": "low"}),
        finding("arrival", "breached", **fields),
    )
    assert [p.task.priority for p in plan([low, medium], rules, AS_OF)] == ["P3"]


@pytest.mark.parametrize(("text", "message"), [
    ('[rules.response]\nqueue = ""', "rules.toml: field rules.response.queue:"),
    ("[rules.response]\ncolour = 'red'", "rules.toml: field rules.response: unknown field colour"),
    ("[rules.response]\nenabled = 'no'", "rules.toml: field rules.response.enabled: 'no' is not of type 'boolean'"),
    ("[rules.callback]\nsubject = 'Call {customer}'", "rules.toml: field rules.callback.subject: unknown placeholder {customer}"),
    ("[rules\n", "rules.toml: not valid TOML"),
])  # fmt: skip
def test_a_bad_rules_file_is_one_clear_input_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        load_rules(write(tmp_path / "rules.toml", text))
    assert str(raised.value).startswith(f"{tmp_path}/{message}"), str(raised.value)


def test_the_built_in_rules_cover_every_rule_of_audit_and_repeats() -> None:
    from fsmkit.audit import KINDS as AUDIT_KINDS
    from fsmkit.repeats import RULES as REPEATS_RULES

    covered = {name.split(".")[0] for name in followups.BUILT_IN}
    assert covered == set(AUDIT_KINDS) | set(REPEATS_RULES)
    assert {e["queue"] for e in followups.BUILT_IN.values()} == set(followups.QUEUES)


def test_finding_from_reads_what_audit_writes() -> None:
    data = {"rule": "response", "status": "breached", "subject": {"type": "work_order", "id": "w"},
            "due_at": "2026-10-29T12:15:00Z", "evidence": [{"work_order_id": "w"}]}  # fmt: skip
    parsed = finding_from(data)
    assert (parsed.subject, parsed.due_at) == (
        Subject("work_order", "w"),
        datetime(2026, 10, 29, 12, 15, tzinfo=UTC),
    )


def test_the_key_examples_in_docs_are_right() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "push.md").read_text(encoding="utf-8")
    examples = re.findall(r"\| `([^`]+)` \| `(fsmkit-[0-9a-f]{24})` \|", text)
    assert len(examples) == 8
    for material, documented in examples:
        assert key(material.replace("\\|", "|")) == documented, material


def test_a_work_order_number_from_any_finding_names_the_work_order_in_every_task() -> None:
    arrival = finding("arrival", "breached", subject={"type": "visit", "id": "v-1"}, work_order_id="wo-1",
                      promise_id="p-arrive")  # fmt: skip
    response = finding("response", "breached", work_order_id="wo-1", promise_id="p", evidence=[wo_evidence()])
    alone, *_ = plan([arrival], Rules(), AS_OF, context())
    together = plan([arrival, response], Rules(), AS_OF, context())
    assert alone.task.subject == "Apologise to Bäckerei Huber: the booked arrival window of wo-1 was missed"
    assert (
        together[0].task.subject
        == "Apologise to Bäckerei Huber: the booked arrival window of WO-0001 was missed"
    )
