"""Turn canonical records (such as the demo's, fsmkit/demo/data) into Salesforce-shaped sObjects.

The result is what a Salesforce Field Service org would hold for the same business, as the emulator
serves it: date-times UTC `2026-03-01T07:00:00.000+0000`, dates `YYYY-MM-DD`, times of business hours
`08:00:00.000Z`, references as Ids, products, locations and service resources as records of their own,
visits as ServiceAppointments with AssignedResources, pauses as Status changes in WorkOrderHistory.
Canonical ids are kept as Ids, so that findings read through Salesforce compare one to one with those
read from the files.

Fields Salesforce has no standard field for (an account's tier, a work order's failure code, a visit's
outcome, ...) go to custom fields (`__c`), and MAPPING is the profile mapping that reads them back.
Promises are not readable from the API: `promises_file()` writes them for the profile's promises file.

    python tests/emulators/demo_to_salesforce.py OUT.json [DATA_DIR]
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    from emulators.demo_to_servicenow import load_folder, promises_file
except ImportError:  # run as a script: python tests/emulators/demo_to_salesforce.py
    from demo_to_servicenow import load_folder, promises_file  # type: ignore[no-redef]

__all__ = ["MAPPING", "convert", "load_folder", "promises_file", "sf_datetime"]

DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
        "sat": "Saturday", "sun": "Sunday"}  # fmt: skip
PRIORITIES = {"P1": "Critical", "P2": "High", "P3": "Medium", "P4": "Low"}
# The status category of each demo status (orgs map their own statuses to the seven categories).
CATEGORIES = {"Closed Complete": "Closed", "Cancelled": "Canceled", "Resolved": "Completed", "On Hold": "OnHold",
              "Awaiting Parts": "OnHold", "Awaiting Customer": "OnHold", "In Progress": "InProgress",
              "Dispatched": "InProgress", "Scheduled": "New"}  # fmt: skip
RUNNING = "In Progress"  # the status a work order returns to when a pause ends
CUSTOM_FIELDS = {
    "Account": ["Tier__c", "Time_Zone__c", "Feedback__c"],
    "Contact": ["Preferred_Channel__c", "Notes__c"],
    "Asset": ["Expected_Life_Years__c"],
    "Location": ["Street__c", "Access_Notes__c"],
    "WorkOrder": ["Kind__c", "State__c", "Failure_Code__c", "Resolution_Code__c", "Closed_At__c"],
    "ServiceAppointment": ["Outcome__c"],
    "Holiday": ["Business_Hours__c"],
    "Task": ["Fsmkit_Key__c"],
    "Knowledge_Note__c": ["Id", "Name", "Model__c", "Summary__c", "Link__c"],
}

# The profile mapping that reads the custom fields back (merged over the connector's defaults).
MAPPING: dict[str, Any] = {
    "account": {"fields": {"tier": "Tier__c", "timezone": "Time_Zone__c", "feedback": {"field": "Feedback__c", "json": True}}},
    "contact": {"fields": {"preferred_channel": "Preferred_Channel__c", "notes": "Notes__c"}},
    "asset": {"fields": {"expected_life_years": "Expected_Life_Years__c",
                         "site.address": "Location.Street__c", "site.access_notes": "Location.Access_Notes__c"}},
    "holiday": {"parent": "Business_Hours__c"},
    "work_order": {"fields": {"kind": "Kind__c", "failure_code": "Failure_Code__c",
                              "resolution_code": "Resolution_Code__c", "closed_at": "Closed_At__c",
                              "site.address": "Location.Street__c", "site.access_notes": "Location.Access_Notes__c"}},
    "visit": {"fields": {"outcome": "Outcome__c"}},
    "knowledge": {"object": "Knowledge_Note__c", "fields": {"id": "Id", "model": "Model__c", "title": "Name",
                                                            "summary": "Summary__c", "link": "Link__c"}},
}  # fmt: skip


def sf_datetime(text: str | None) -> str | None:
    """Salesforce's date-time (UTC, milliseconds, +0000) of an ISO 8601 instant."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _key(*parts: Any) -> str:
    return hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:15]


class Converter:
    """Builds the sObjects record by record; shared ones (locations, products, resources) are made once."""

    def __init__(self) -> None:
        self.objects: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "Account", "Contact", "Product2", "Location", "Asset", "ContractLineItem", "BusinessHours", "Holiday",
            "ServiceContract", "Entitlement", "WorkOrder", "ServiceAppointment", "ServiceResource",
            "AssignedResource", "WorkOrderHistory", "Knowledge_Note__c", "Task")}  # fmt: skip
        self._made: set[str] = set()
        self._history = 0

    def add(self, sobject: str, **record: Any) -> str:
        self.objects[sobject].append(record)
        return record["Id"]

    def shared(self, sobject: str, **record: Any) -> str:
        if record["Id"] not in self._made:
            self._made.add(record["Id"])
            self.add(sobject, **record)
        return record["Id"]

    def location(self, site: dict[str, Any] | None) -> str | None:
        if not site:
            return None
        return self.shared("Location", Id="131" + _key(*site.values()), Name=site.get("name"),
                           TimeZone=site.get("timezone"), Street__c=site.get("address"),
                           Access_Notes__c=site.get("access_notes"))  # fmt: skip

    def account(self, record: dict[str, Any]) -> None:
        self.add("Account", Id=record["id"], Name=record["name"], Description=record.get("notes"),
                 Tier__c=record.get("tier"), Time_Zone__c=record.get("timezone"),
                 Feedback__c=json.dumps(record["feedback"]) if record.get("feedback") else None)  # fmt: skip
        for n, contact in enumerate(record.get("contacts") or (), 1):
            self.add("Contact", Id=f"{record['id']}-c{n}", AccountId=record["id"], Name=contact["name"],
                     Title=contact.get("role"), Phone=contact.get("phone"), Email=contact.get("email"),
                     Preferred_Channel__c=contact.get("preferred_channel"), Notes__c=contact.get("notes"))  # fmt: skip

    def asset(self, record: dict[str, Any]) -> None:
        product = (
            self.shared("Product2", Id="01t" + _key(record["model"]), Name=record["model"])
            if record.get("model")
            else None
        )
        self.add("Asset", Id=record["id"], AccountId=record["account_id"], Name=record.get("name"),
                 Product2Id=product, SerialNumber=record.get("serial"), InstallDate=record.get("installed_on"),
                 UsageEndDate=record.get("warranty_ends"), Status=record.get("status"),
                 Expected_Life_Years__c=record.get("expected_life_years"), LocationId=self.location(record.get("site")))  # fmt: skip
        if record.get("contract_id"):
            self.add("ContractLineItem", Id=f"{record['id']}-cli", AssetId=record["id"],
                     ServiceContractId=record["contract_id"], LineItemNumber=f"CLI-{record['id']}")  # fmt: skip

    def calendar(self, record: dict[str, Any]) -> None:
        times: dict[str, Any] = {}
        for short, day in DAYS.items():
            spans = record["weekly"].get(short) or []
            if len(spans) > 1:
                raise ValueError(f"calendar {record['id']}: BusinessHours hold one span per day")
            start, end = spans[0] if spans else (None, None)
            times[f"{day}StartTime"] = f"{start}:00.000Z" if start else None
            times[f"{day}EndTime"] = (
                ("00:00:00.000Z" if end == "24:00" else f"{end}:00.000Z") if end else None
            )
        self.add("BusinessHours", Id=record["id"], Name=record["id"], IsActive=True, IsDefault=False,
                 TimeZoneSidKey=record["timezone"], **times)  # fmt: skip
        for day in record.get("holidays") or ():
            self.add("Holiday", Id=f"{record['id']}-{day}", Name=day, ActivityDate=day, IsAllDay=True,
                     IsRecurrence=False, Business_Hours__c=record["id"])  # fmt: skip

    def contract(self, record: dict[str, Any]) -> None:
        self.add("ServiceContract", Id=record["id"], ContractNumber=record.get("number"), Name=record.get("name"),
                 AccountId=record["account_id"], StartDate=record["starts_on"], EndDate=record["ends_on"],
                 Status="Active")  # fmt: skip
        if record.get("calendar_id"):
            self.add("Entitlement", Id=f"{record['id']}-ent", Name=f"{record.get('name')}",
                     AccountId=record["account_id"], ServiceContractId=record["id"],
                     BusinessHoursId=record["calendar_id"], StartDate=record["starts_on"], EndDate=record["ends_on"],
                     Status="Active")  # fmt: skip

    def work_order(self, record: dict[str, Any]) -> None:
        self.add("WorkOrder", Id=record["id"], WorkOrderNumber=record.get("number"), AccountId=record["account_id"],
                 AssetId=record.get("asset_id"), ServiceContractId=record.get("contract_id"),
                 MaintenancePlanId="1MP" + _key("plan") if record["kind"] == "preventive" else None,
                 Priority=PRIORITIES.get(record.get("priority") or ""), Status=record["status"],
                 StatusCategory=CATEGORIES.get(record["status"], "New"), Subject=record.get("summary"),
                 Description=record.get("description"), CreatedDate=sf_datetime(record["opened_at"]),
                 EndDate=sf_datetime(record.get("resolved_at")), IsClosed=record["state"] != "open",
                 Kind__c=record["kind"], State__c=record["state"], Failure_Code__c=record.get("failure_code"),
                 Resolution_Code__c=record.get("resolution_code"), Closed_At__c=sf_datetime(record.get("closed_at")),
                 LocationId=self.location(record.get("site")))  # fmt: skip
        for visit in record.get("visits") or ():
            self.add("ServiceAppointment", Id=visit["id"], ParentRecordId=record["id"], ParentRecordType="WorkOrder",
                     AccountId=record["account_id"], AppointmentNumber=f"SA-{visit['id']}",
                     ArrivalWindowStartTime=sf_datetime(visit.get("window_start")),
                     ArrivalWindowEndTime=sf_datetime(visit.get("window_end")),
                     ActualStartTime=sf_datetime(visit.get("arrived_at")),
                     ActualEndTime=sf_datetime(visit.get("departed_at")), ServiceNote=visit.get("notes"),
                     Outcome__c=visit.get("outcome"), Status="Completed" if visit.get("departed_at") else "Scheduled")  # fmt: skip
            if visit.get("technician"):
                resource = self.shared("ServiceResource", Id="0Hn" + _key(visit["technician"]), Name=visit["technician"],
                                       IsActive=True, ResourceType="T")  # fmt: skip
                self.add("AssignedResource", Id=f"{visit['id']}-ar", ServiceAppointmentId=visit["id"],
                         ServiceResourceId=resource, IsPrimaryResource=True)  # fmt: skip
        for pause in record.get("pauses") or ():
            for at, old, new in (
                (pause["start"], RUNNING, pause["reason"]),
                (pause.get("end"), pause["reason"], RUNNING),
            ):
                if at is not None:
                    self._history += 1
                    self.add("WorkOrderHistory", Id=f"0wh{self._history:012d}", WorkOrderId=record["id"],
                             Field="Status", OldValue=old, NewValue=new, CreatedDate=sf_datetime(at))  # fmt: skip

    def knowledge(self, record: dict[str, Any]) -> None:
        self.add("Knowledge_Note__c", Id=record["id"], Model__c=record["model"], Name=record["title"],
                 Summary__c=record.get("summary"), Link__c=record.get("link"))  # fmt: skip


def convert(dataset: dict[str, Iterable[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Salesforce sObjects holding the canonical records of `dataset` (kind -> records)."""
    converter = Converter()
    for kind in ("account", "asset", "calendar", "contract", "work_order", "knowledge"):
        for record in dataset.get(kind, ()):
            getattr(converter, kind)(record)
    return converter.objects


def main(argv: list[str]) -> None:
    """Write the converted sObjects of a data folder (default: the demo) as JSON."""
    from fsmkit.demo import DATA_DIR

    out = Path(argv[0])
    folder = Path(argv[1]) if len(argv) > 1 else DATA_DIR
    out.write_text(
        json.dumps(convert(load_folder(folder)), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
