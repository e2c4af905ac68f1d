"""Canonical records for tests, as the JSON objects a connector reads: valid by default, any field overridable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fsmkit.connectors.files import FILE_NAMES


def account(**fields: Any) -> dict[str, Any]:
    return {
        "id": "acc-1", "name": "Bäckerei Huber", "tier": "gold", "timezone": "Europe/Berlin",
        "contacts": [{"name": "Anna Huber", "role": "owner", "phone": "+49 89 1234", "email": "anna@example.com",
                      "preferred_channel": "phone", "notes": "call before 7:00"}],
        "notes": None, "feedback": [{"at": "2026-02-01T10:00:00+01:00", "score": 2, "comment": "late again"}],
        **fields,
    }  # fmt: skip


def asset(**fields: Any) -> dict[str, Any]:
    return {
        "id": "ast-1", "account_id": "acc-1", "name": "Cold room 1", "model": "ArcticFlow CU-7", "serial": "AF7-001",
        "site": {"name": "Huber Schwabing", "address": "Leopoldstr. 1, München", "timezone": "Europe/Berlin",
                 "access_notes": "ring at the bakery door"},
        "installed_on": "2023-05-01", "warranty_ends": "2026-05-01", "expected_life_years": 10,
        "contract_id": "con-1", "status": "in_service",
        **fields,
    }  # fmt: skip


def calendar(**fields: Any) -> dict[str, Any]:
    hours = [["08:00", "18:00"]]
    return {
        "id": "cal-berlin", "timezone": "Europe/Berlin",
        "weekly": {"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": [], "sun": []},
        "holidays": ["2026-04-03", "2026-04-06"],
        **fields,
    }  # fmt: skip


def promise(**fields: Any) -> dict[str, Any]:
    return {"id": "p-response-p1", "kind": "response", "target": "PT4H", "clock": "business", "priorities": ["P1"],
            "work_kinds": [], "pausable": None, "grace": None, **fields}  # fmt: skip


def contract(**fields: Any) -> dict[str, Any]:
    return {
        "id": "con-1", "number": "SC-2026-001", "account_id": "acc-1", "name": "Gold care",
        "starts_on": "2026-01-01", "ends_on": "2026-12-31", "calendar_id": "cal-berlin", "promises": [promise()],
        **fields,
    }  # fmt: skip


def visit(**fields: Any) -> dict[str, Any]:
    return {
        "id": "v-1", "technician": "Jana Novak", "window_start": "2026-03-02T10:00:00+01:00",
        "window_end": "2026-03-02T12:00:00+01:00", "arrived_at": "2026-03-02T10:20:00+01:00",
        "departed_at": "2026-03-02T11:30:00+01:00", "outcome": "fixed", "notes": None,
        **fields,
    }  # fmt: skip


def work_order(**fields: Any) -> dict[str, Any]:
    return {
        "id": "wo-1", "number": "WO-0001", "account_id": "acc-1", "asset_id": "ast-1", "contract_id": "con-1",
        "site": None, "kind": "corrective", "priority": "P1", "state": "closed", "status": "Closed Complete",
        "summary": "Cold room at 9°C", "description": "Alarm E42, compressor short-cycling",
        "opened_at": "2026-03-02T09:15:00+01:00", "resolved_at": "2026-03-02T11:30:00+01:00",
        "closed_at": "2026-03-03T08:00:00+01:00",
        "pauses": [{"start": "2026-03-02T10:30:00+01:00", "end": "2026-03-02T10:45:00+01:00", "reason": "On Hold"}],
        "visits": [visit()], "failure_code": "COMP-RELAY", "resolution_code": "REPLACED",
        **fields,
    }  # fmt: skip


def knowledge(**fields: Any) -> dict[str, Any]:
    return {"id": "kb-1", "model": "ArcticFlow CU-7", "title": "Relay chatter", "summary": "Replace the relay",
            "link": "https://kb.example.com/1", **fields}  # fmt: skip


def write_folder(folder: Path, **records: list[dict[str, Any]]) -> Path:
    """Write records (keyword = kind, e.g. work_order=[...]) as the files connector's .jsonl files."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, items in records.items():
        lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        (folder / FILE_NAMES[kind]).write_text(lines, encoding="utf-8")
    return folder
