"""Turn canonical records (such as the demo's, fsmkit/demo/data) into ServiceNow-shaped tables.

The result is what a ServiceNow instance would hold for the same business, as the emulator serves it:
every value a string ("" when empty), date-times UTC "YYYY-MM-DD HH:MM:SS", references as sys_ids,
choice fields as values whose labels live in sys_choice, durations from the epoch, schedules as
schedule entries, pauses as state changes in sys_audit. Canonical ids are kept as sys_ids, so that
findings read through ServiceNow compare one to one with those read from the files.

Fields ServiceNow has no standard column for (an account's tier, an asset's expected life, a work
order's failure code, ...) go to u_ columns, and MAPPING is the profile mapping that reads them back.
Promises ServiceNow cannot express as SLA definitions (arrival, PM intervals, work kinds) go to a
promises file: `promises_file()` writes it.

    python tests/emulators/demo_to_servicenow.py OUT.json [DATA_DIR]
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FILE_NAMES = {"account": "accounts.jsonl", "asset": "assets.jsonl", "calendar": "calendars.jsonl",
              "contract": "contracts.jsonl", "work_order": "work_orders.jsonl", "knowledge": "knowledge.jsonl"}  # fmt: skip

WORK_ORDER_STATES = {"Draft": "1", "Ready for Dispatch": "10", "Scheduled": "15", "Assigned": "16", "Dispatched": "17",
                     "Accepted": "18", "In Progress": "19", "Work in Progress": "20", "On Hold": "21",
                     "Awaiting Parts": "22", "Awaiting Customer": "23", "Resolved": "24", "Closed Complete": "3",
                     "Closed Incomplete": "4", "Cancelled": "7"}  # fmt: skip
TASK_STATES = {"Draft": "1", "Pending Dispatch": "10", "Assigned": "16", "Accepted": "17", "Work in Progress": "18",
               "Closed Complete": "3", "Closed Incomplete": "4", "Cancelled": "7"}  # fmt: skip
TASK_STATE_OF_OUTCOME = {"fixed": "Closed Complete", "parts_needed": "Closed Incomplete", "follow_up": "Closed Incomplete",
                         "no_access": "Closed Incomplete", "other": "Cancelled", None: "Assigned"}  # fmt: skip
RUNNING = "Work in Progress"  # the state a work order returns to when a pause ends

# The profile mapping that reads the u_ columns back (merged over the connector's defaults).
MAPPING: dict[str, Any] = {
    "account": {"fields": {"tier": "u_tier", "timezone": "u_time_zone", "feedback": {"field": "u_feedback", "json": True}}},
    "contact": {"fields": {"preferred_channel": "u_preferred_channel", "notes": "u_notes"}},
    "asset": {"fields": {"expected_life_years": "u_expected_life_years", "contract_id": "u_contract",
                         "status": "u_status", "site.access_notes": "location.u_access_notes"}},
    "work_order": {"fields": {"kind": "u_kind", "failure_code": "u_failure_code",
                              "site.access_notes": "location.u_access_notes"}},
    "visit": {"fields": {"outcome": "u_outcome"}},
    "knowledge": {"table": "kb_knowledge", "fields": {"id": "sys_id", "model": "u_model", "title": "short_description",
                                                      "summary": "u_summary", "link": "u_link"}},
}  # fmt: skip


def load_folder(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Canonical records of a files-connector folder, per kind."""
    dataset = {}
    for kind, name in FILE_NAMES.items():
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        dataset[kind] = [json.loads(line) for line in lines if line.strip()]
    return dataset


def sn_datetime(text: str | None) -> str:
    """ServiceNow's raw date-time (UTC, no zone) of an ISO 8601 instant."""
    if text is None:
        return ""
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def sn_duration(text: str) -> str:
    """ServiceNow's duration (a date-time from the epoch) of an ISO 8601 duration such as PT4H or P2D."""
    from fsmkit.model import parse_duration

    return (datetime(1970, 1, 1) + parse_duration(text)).strftime("%Y-%m-%d %H:%M:%S")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _key(*parts: Any) -> str:
    return hashlib.sha1("|".join(map(_text, parts)).encode()).hexdigest()[:16]


class Converter:
    """Builds the tables row by row; shared rows (locations, models, users) are made once."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, str]]] = {name: [] for name in (
            "customer_account", "customer_contact", "alm_asset", "cmdb_model", "cmn_location", "cmn_schedule",
            "cmn_schedule_span", "ast_contract", "contract_sla", "contract_rel_contract_sla", "wm_order", "wm_task",
            "sys_audit", "sys_user", "sys_choice", "kb_knowledge", "sn_customerservice_task")}  # fmt: skip
        self._made: set[tuple[str, str]] = set()

    def add(self, table: str, **row: Any) -> str:
        """Add a row (values as strings); its sys_id (kept from the canonical id, even when one repeats)."""
        self.tables[table].append({name: _text(value) for name, value in row.items()})
        return row["sys_id"]

    def shared(self, table: str, **row: Any) -> str:
        """Add a row many records refer to (a location, a model, a user) unless it is there; its sys_id."""
        if (table, row["sys_id"]) not in self._made:
            self._made.add((table, row["sys_id"]))
            self.add(table, **row)
        return row["sys_id"]

    def location(self, site: dict[str, Any] | None) -> str:
        if not site:
            return ""
        return self.shared("cmn_location", sys_id="loc-" + _key(*site.values()), name=site.get("name"),
                        street=site.get("address"), time_zone=site.get("timezone"), u_access_notes=site.get("access_notes"))  # fmt: skip

    def account(self, record: dict[str, Any]) -> None:
        self.add("customer_account", sys_id=record["id"], name=record["name"], notes=record.get("notes"),
                 u_tier=record.get("tier"), u_time_zone=record.get("timezone"),
                 u_feedback=json.dumps(record["feedback"]) if record.get("feedback") else "")  # fmt: skip
        for n, contact in enumerate(record.get("contacts") or (), 1):
            self.add("customer_contact", sys_id=f"{record['id']}-c{n}", account=record["id"], name=contact["name"],
                     title=contact.get("role"), phone=contact.get("phone"), email=contact.get("email"),
                     u_preferred_channel=contact.get("preferred_channel"), u_notes=contact.get("notes"))  # fmt: skip

    def asset(self, record: dict[str, Any]) -> None:
        model = (
            self.shared("cmdb_model", sys_id="model-" + _key(record["model"]), name=record["model"])
            if record.get("model")
            else ""
        )
        self.add("alm_asset", sys_id=record["id"], company=record["account_id"], display_name=record.get("name"),
                 model_id=model, serial_number=record.get("serial"), install_date=record.get("installed_on"),
                 warranty_expiration=record.get("warranty_ends"), u_expected_life_years=record.get("expected_life_years"),
                 u_contract=record.get("contract_id"), u_status=record.get("status"), location=self.location(record.get("site")))  # fmt: skip

    def calendar(self, record: dict[str, Any]) -> None:
        schedule = self.add(
            "cmn_schedule",
            sys_id=record["id"],
            name=record["id"],
            time_zone=record["timezone"],
            parent="",
            type="",
        )
        days_by_span: dict[tuple[str, str], str] = {}
        for digit, day in enumerate(WEEKDAYS, 1):
            for start, end in record["weekly"].get(day) or ():
                days_by_span[(start, end)] = days_by_span.get((start, end), "") + str(digit)
        for (start, end), days in sorted(days_by_span.items()):
            end_at = "20250102T000000" if end == "24:00" else f"20250101T{end.replace(':', '')}00"
            self.add("cmn_schedule_span", sys_id=f"{schedule}-{start}-{end}", schedule=schedule, name=f"{start}-{end}",
                     start_date_time=f"20250101T{start.replace(':', '')}00", end_date_time=end_at, repeat_type="weekly",
                     days_of_week=days, all_day="false")  # fmt: skip
        if record.get("holidays"):
            excluded = self.add("cmn_schedule", sys_id=f"{schedule}-holidays", name=f"{schedule} holidays",
                                time_zone=record["timezone"], parent=schedule, type="excluded")  # fmt: skip
            for day in record["holidays"]:
                compact = day.replace("-", "")
                following = (datetime.fromisoformat(day) + timedelta(days=1)).strftime("%Y%m%d")
                self.add("cmn_schedule_span", sys_id=f"{excluded}-{day}", schedule=excluded, name=day, all_day="true",
                         start_date_time=f"{compact}T000000", end_date_time=f"{following}T000000", repeat_type="",
                         days_of_week="")  # fmt: skip

    def contract(self, record: dict[str, Any]) -> None:
        self.add("ast_contract", sys_id=record["id"], number=record.get("number"), short_description=record.get("name"),
                 account=record["account_id"], starts=record["starts_on"], ends=record["ends_on"])  # fmt: skip
        for promise in record.get("promises") or ():
            if promise["kind"] not in ("response", "resolution"):
                continue
            priorities = ",".join(p.removeprefix("P") for p in promise.get("priorities") or ())
            pauses = ",".join(
                WORK_ORDER_STATES[s] for s in ("On Hold", "Awaiting Parts", "Awaiting Customer")
            )
            self.add("contract_sla", sys_id=promise["id"], name=promise["id"], target=promise["kind"],
                     duration=sn_duration(promise["target"]), collection="wm_order",
                     schedule=record.get("calendar_id") if promise.get("clock", "business") == "business" else "",
                     start_condition=f"priorityIN{priorities}" if priorities else "",
                     pause_condition=f"stateIN{pauses}" if promise.get("pausable") else "")  # fmt: skip
            self.add("contract_rel_contract_sla", sys_id=f"{record['id']}-{promise['id']}", contract=record["id"],
                     contract_sla=promise["id"])  # fmt: skip

    def work_order(self, record: dict[str, Any]) -> None:
        self.add("wm_order", sys_id=record["id"], number=record.get("number"), company=record["account_id"],
                 asset=record.get("asset_id"), contract=record.get("contract_id"),
                 priority=(record.get("priority") or "").removeprefix("P"), state=WORK_ORDER_STATES[record["status"]],
                 short_description=record.get("summary"), description=record.get("description"),
                 opened_at=sn_datetime(record["opened_at"]), work_end=sn_datetime(record.get("resolved_at")),
                 closed_at=sn_datetime(record.get("closed_at")), close_code=record.get("resolution_code"),
                 u_failure_code=record.get("failure_code"), u_kind=record["kind"], u_state=record["state"],
                 maintenance_plan="PM-PLAN" if record["kind"] == "preventive" else "",
                 location=self.location(record.get("site")))  # fmt: skip
        for visit in record.get("visits") or ():
            user = self.shared("sys_user", sys_id="user-" + _key(visit["technician"]), name=visit["technician"],
                            user_name="", time_zone="") if visit.get("technician") else ""  # fmt: skip
            self.add("wm_task", sys_id=visit["id"], parent=record["id"], assigned_to=user,
                     window_start=sn_datetime(visit.get("window_start")), window_end=sn_datetime(visit.get("window_end")),
                     actual_work_start=sn_datetime(visit.get("arrived_at")), actual_work_end=sn_datetime(visit.get("departed_at")),
                     state=TASK_STATES[TASK_STATE_OF_OUTCOME[visit.get("outcome")]], close_notes=visit.get("notes"),
                     u_outcome=visit.get("outcome"))  # fmt: skip
        for n, pause in enumerate(record.get("pauses") or (), 1):
            changes = [(pause["start"], pause["reason"]), (pause.get("end"), RUNNING)]
            for m, (at, label) in enumerate(changes):
                if at is not None:
                    self.add("sys_audit", sys_id=f"{record['id']}-p{n}-{m}", tablename="wm_order", fieldname="state",
                             documentkey=record["id"], oldvalue="", newvalue=WORK_ORDER_STATES[label],
                             sys_created_on=sn_datetime(at))  # fmt: skip

    def knowledge(self, record: dict[str, Any]) -> None:
        self.add("kb_knowledge", sys_id=record["id"], u_model=record["model"], short_description=record["title"],
                 u_summary=record.get("summary"), u_link=record.get("link"))  # fmt: skip

    def choices(self) -> None:
        for table, states in (("wm_order", WORK_ORDER_STATES), ("wm_task", TASK_STATES)):
            for label, value in states.items():
                self.add("sys_choice", sys_id=f"{table}-state-{value}", name=table, element="state", value=value,
                         label=label, language="en", inactive="false")  # fmt: skip


def convert(
    dataset: dict[str, Iterable[dict[str, Any]]], api_user: str = "fsmkit.api"
) -> dict[str, list[dict[str, str]]]:
    """ServiceNow tables holding the canonical records of `dataset` (kind -> records)."""
    converter = Converter()
    for kind in ("account", "asset", "calendar", "contract", "work_order", "knowledge"):
        for record in dataset.get(kind, ()):
            getattr(converter, kind)(record)
    converter.choices()
    converter.add("sys_user", sys_id="user-api", name="fsmkit API", user_name=api_user, time_zone="")
    return converter.tables


def promises_file(dataset: dict[str, Iterable[dict[str, Any]]]) -> dict[str, Any]:
    """The promises file of the dataset's contracts: every promise and calendar, as the files hold them."""
    return {"contracts": {c["id"]: {"calendar_id": c.get("calendar_id"), "promises": c.get("promises") or []}
                          for c in dataset.get("contract", ())}}  # fmt: skip


def main(argv: list[str]) -> None:
    """Write the converted tables of a data folder (default: the demo) as JSON."""
    from fsmkit.demo import DATA_DIR

    out = Path(argv[0])
    folder = Path(argv[1]) if len(argv) > 1 else DATA_DIR
    out.write_text(
        json.dumps(convert(load_folder(folder)), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
