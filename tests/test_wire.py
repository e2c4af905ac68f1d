"""The one-pass work order reader (fsmkit.wire) against the careful one (orjson, jsonschema, model).

Whatever the fast reader accepts, the careful one must accept as the same record; whatever it cannot
vouch for, the files connector reads again the careful way, so that errors still name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsmkit import wire
from fsmkit.connectors.files import FilesConnector
from fsmkit.demo import DATA_DIR
from fsmkit.errors import FsmkitError, InputError, RecordError
from fsmkit.model import iso_to_utc, parse_work_order

DEMO = [orjson.loads(line) for line in (DATA_DIR / "work_orders.jsonl").read_bytes().splitlines()[:300]]
# A few of each shape: with visits, pauses, a site of its own, extra fields.
SAMPLES = [
    next(d for d in DEMO if d.get("pauses")),
    next(d for d in DEMO if len(d.get("visits") or ()) > 1),
    next(d for d in DEMO if d.get("site")),
    {**DEMO[0], "extra": {"u_region": "north", "n": [1, 2.5, None]}},
]
ODD_VALUES = [
    None, "", "x", 0, 1.0, True, [], {}, [{}], {"name": "x"},
    "2026-03-02T09:15:00+01:00", "2026-03-02t09:15:00z", "2026-03-02T09:15:00.1234567+01:00",
    "2026-03-02T09:15", "2026-03-02", "0001-01-01T00:00:00+11:00", "Europe/Berlin", "Mars/Base",
    "P1", "P9", "open", "fixed", "preventive", "\u00e9t\u00e9",
]  # fmt: skip


def careful(line: bytes) -> Any:
    """The record the careful way, or the kind of error it raises."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "not JSON"
    if not isinstance(data, dict):
        return "not an object"
    try:
        return parse_work_order(data)
    except RecordError:
        return RecordError


def fast(line: bytes) -> Any:
    """What the files connector's fast path makes of a line (opened_at is read first, for the order)."""
    try:
        decoded = wire.decode_work_order(line)
        return wire.work_order(decoded, iso_to_utc(decoded.opened_at))
    except (wire.Unreadable, ValueError, OverflowError):
        return wire.Unreadable


@st.composite
def broken_work_orders(draw: st.DrawFn) -> bytes:
    """A demo work order with a few fields removed, replaced or added, also inside visits and pauses."""
    record = orjson.loads(orjson.dumps(draw(st.sampled_from(SAMPLES))))
    for _ in range(draw(st.integers(1, 3))):
        targets = [record]
        for nested in ("visits", "pauses"):
            if isinstance(record.get(nested), list):
                targets += record[nested]
        if isinstance(record.get("site"), dict):
            targets.append(record["site"])
        target = draw(st.sampled_from(targets))
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from([*target, "unknown_field"]))
        if draw(st.booleans()) and key in target:
            del target[key]
        else:
            target[key] = draw(st.sampled_from(ODD_VALUES))
    return orjson.dumps(record)


@settings(derandomize=True, deadline=None, max_examples=1500)
@given(line=broken_work_orders())
def test_what_the_fast_reader_accepts_the_careful_reader_accepts_alike(line: bytes) -> None:
    found = fast(line)
    if found is not wire.Unreadable:
        assert careful(line) == found


@pytest.mark.parametrize("record", SAMPLES)
def test_valid_work_orders_read_the_same_both_ways(record: dict[str, Any]) -> None:
    line = orjson.dumps(record)
    assert fast(line) == careful(line) and careful(line) not in ("not JSON", RecordError)


def test_the_demo_work_orders_all_take_the_fast_way() -> None:
    lines = (DATA_DIR / "work_orders.jsonl").read_bytes().splitlines()
    assert all(fast(line) == careful(line) for line in lines)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer"},
        {"type": "string", "pattern": "^x"},
        {"type": ["string", "array"]},
        {"enum": [1, 2]},
        {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        },
        {"type": "object", "required": ["a"], "properties": {}},
        {"type": "object", "properties": {"class": {"type": "string"}}},
        {"type": "array"},
        {"type": "object"},  # a free-form object that may not be null
    ],
)
def test_a_constraint_without_an_exact_msgspec_reading_is_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(
        ValueError, match=r"exact msgspec reading|exact reading|cannot be a struct field|not described"
    ):
        wire.struct_type(schema, "record")


BASE = b'{"id":"w1","account_id":"a","kind":"corrective","state":"open","opened_at":"2024-01-01T10:00:00Z"'


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b',"extra":{"n":123456789012345678901234567890}}', {"n": 1.2345678901234568e29}),  # careful way
        (b',"number":"1","number":"2"}', None),  # a repeated key: the last one, both ways
    ],
)
def test_the_connector_reads_what_the_fast_reader_refuses(tmp_path: Path, tail: bytes, expected: Any) -> None:
    (tmp_path / "work_orders.jsonl").write_bytes(BASE + tail + b"\n")
    [work_order] = FilesConnector(tmp_path).work_orders(None)
    assert work_order.extra == expected and work_order == careful(BASE + tail)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (b',"summary":"\\ud800"}', r"work_orders.jsonl:2: not valid JSON \(no low surrogate"),
        (
            b',"site":{"timezone":"Mars/Base"}}',
            r"work_orders.jsonl:2: field site.timezone: unknown time zone",
        ),
        (
            b',"visits":[{"id":"v","arrived_at":"2024-01-01T10:00"}]}',
            r"jsonl:2: field visits\[0\].arrived_at",
        ),
        (b',"extra":[1]}', r"work_orders.jsonl:2: field extra: \[1\] is not of type"),
    ],
)
def test_errors_still_name_the_line_and_field(tmp_path: Path, tail: bytes, message: str) -> None:
    (tmp_path / "work_orders.jsonl").write_bytes(BASE + b"}\n" + BASE.replace(b"w1", b"w2") + tail + b"\n")
    with pytest.raises((InputError, RecordError)) as caught:
        list(FilesConnector(tmp_path).work_orders(None))
    assert isinstance(caught.value, FsmkitError)
    assert caught.match(message)
