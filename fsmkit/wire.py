"""Work orders read from JSON in one pass: decoded and checked against their schema by msgspec.

Reading a work order the general way is three passes over it: orjson builds a dict, the compiled
validator (fsmkit.validator) checks the dict, and fsmkit.model builds the record from it. Here msgspec
decodes the line straight into typed structs generated from the same schema (fsmkit.schema.inlined),
checking as it decodes, and the record is built from the structs: about half the time, on the path
every audit and repeats run takes for every work order.

Exactness: the structs are generated only from keywords whose msgspec meaning is the schema's (type
string/object/array and null, enum of strings and null, required, properties, additionalProperties
false, items, minLength, maxLength); any other keyword is refused when the structs are built, so a
schema can never carry a constraint this reader skips. Datetimes stay strings and are read by
fsmkit.model's own reader, free-form objects (`extra`) by orjson, so their meaning is fsmkit's, not
msgspec's. A line this reader refuses is not necessarily invalid (msgspec is stricter in places): the
caller reads it again the careful way, which accepts what the schema accepts and names the field that
is wrong. The test suite checks that both ways agree on valid records and on thousands of broken ones.
"""

from __future__ import annotations

import keyword
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import msgspec
import orjson

from fsmkit import schema
from fsmkit.model import Pause, Site, Visit, WorkOrder, iso_to_utc, zone

ANNOTATIONS = {"title", "description", "examples", "$comment", "default"}
SUPPORTED = ANNOTATIONS | {"type", "enum", "required", "properties", "additionalProperties", "items"}
SUPPORTED |= {"minLength", "maxLength"}


class Unreadable(Exception):
    """The fast reader cannot vouch for this line: read it the careful way."""


def struct_type(node: dict[str, Any], name: str) -> Any:
    """The msgspec type that accepts exactly what schema `node` accepts (see the module's note on
    exactness), structs named after `name`; a keyword outside the supported subset is a ValueError."""
    unknown = set(node) - SUPPORTED
    if unknown:
        raise ValueError(f"{name}: schema keyword(s) {sorted(unknown)} have no exact msgspec reading")
    types = node.get("type", ["string", "object", "array", "null"] if "enum" in node else None)
    if types is None:
        raise ValueError(f"{name}: a schema without a type has no exact msgspec reading")
    types = [types] if isinstance(types, str) else list(types)
    nullable = "null" in types
    kinds = [t for t in types if t != "null"]
    if "enum" in node:
        values = [v for v in node["enum"] if v is not None or nullable]  # the type may refuse null
        strings = [v for v in values if v is not None]
        if not values or not all(isinstance(v, str) for v in strings) or (strings and "string" not in kinds):
            raise ValueError(f"{name}: only an enum of strings and null has an exact msgspec reading")
        return Literal[tuple(values)]  # type: ignore[valid-type]
    if len(kinds) != 1:
        raise ValueError(f"{name}: a value of several types has no exact msgspec reading")
    if kinds[0] == "string":
        lengths = {"min_length": node.get("minLength"), "max_length": node.get("maxLength")}
        lengths = {k: v for k, v in lengths.items() if v is not None}
        base: Any = Annotated[str, msgspec.Meta(**lengths)] if lengths else str
    elif kinds[0] == "array" and "items" in node and not {"minLength", "maxLength"} & node.keys():
        base = list[struct_type(node["items"], name)]  # type: ignore[misc]
    elif kinds[0] == "object" and not {"minLength", "maxLength", "items"} & node.keys():
        if _is_free_form(node):
            if not nullable:
                raise ValueError(f"{name}: only a free-form object that may be null has an exact reading")
            return msgspec.Raw  # its JSON as is (null too): the record's reader checks it is an object
        base = _object_type(node, name)
    else:
        raise ValueError(f"{name}: {kinds[0]} with {sorted(node)} has no exact msgspec reading")
    return base | None if nullable else base


def _is_free_form(node: dict[str, Any]) -> bool:
    return (
        "properties" not in node
        and node.get("additionalProperties", True) is True
        and not node.get("required")
    )


def _object_type(node: dict[str, Any], name: str) -> Any:
    properties = node.get("properties")
    extra = node.get("additionalProperties", True)
    if properties is None or extra not in (True, False):
        raise ValueError(f"{name}: an object with these properties has no exact msgspec reading")
    required = set(node.get("required", ()))
    if not required <= properties.keys():
        raise ValueError(f"{name}: a required property that is not described")
    fields = []
    for prop, subschema in properties.items():
        if not prop.isidentifier() or keyword.iskeyword(prop):
            raise ValueError(f"{name}: property {prop!r} cannot be a struct field")
        field_type = struct_type(subschema, f"{name}.{prop}")
        # Absent is None; whether null itself is allowed is the field type's to say.
        fields.append((prop, field_type) if prop in required else (prop, field_type, None))
    return msgspec.defstruct(
        name.title().replace(".", "").replace("_", ""),
        fields,
        kw_only=True,
        forbid_unknown_fields=extra is False,
    )


@cache
def _decoder() -> msgspec.json.Decoder:
    return msgspec.json.Decoder(struct_type(schema.inlined("work_order"), "work_order"))


def decode_work_order(line: bytes) -> Any:
    """The line's work order as its schema's structs (datetimes still text), or Unreadable."""
    try:
        return _decoder().decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise Unreadable from None


def work_order(wire: Any, opened_at: datetime) -> WorkOrder:
    """The WorkOrder of a decoded line, as fsmkit.model.parse_work_order builds it, or Unreadable
    (a datetime or time zone that does not read, an `extra` that is not an object); `opened_at` is
    its opened_at, already read (by the reader, for the order of the lines)."""
    try:
        site = wire.site
        resolved = _instant(wire.resolved_at)
        # Closed when resolved, as a rule: the same text need not be read twice.
        closed = resolved if wire.closed_at == wire.resolved_at else _instant(wire.closed_at)
        return WorkOrder(
            wire.id,
            wire.account_id,
            wire.kind,
            wire.state,
            opened_at,
            wire.number,
            wire.asset_id,
            wire.contract_id,
            None
            if site is None
            else Site(site.name, site.address, _zone_name(site.timezone), site.access_notes),
            wire.priority,
            wire.status,
            wire.summary,
            wire.description,
            resolved,
            closed,
            [Pause(iso_to_utc(p.start), _instant(p.end), p.reason) for p in wire.pauses or ()],
            [
                Visit(
                    v.id,
                    v.technician,
                    _instant(v.window_start),
                    _instant(v.window_end),
                    _instant(v.arrived_at),
                    _instant(v.departed_at),
                    v.outcome,
                    v.notes,
                )
                for v in wire.visits or ()
            ],
            wire.failure_code,
            wire.resolution_code,
            _object(wire.extra),
        )
    except (ValueError, TypeError, OverflowError) as exc:
        raise Unreadable from exc


def _zone_name(name: str | None) -> str | None:
    if name is not None:
        zone(name)  # an unknown zone is a ValueError
    return name


def _instant(text: str | None) -> Any:
    return None if text is None else iso_to_utc(text)


def _object(raw: msgspec.Raw | None) -> dict[str, Any] | None:
    """A free-form object that may be null, read by orjson (absent: None)."""
    if raw is None:
        return None
    value = orjson.loads(memoryview(raw))  # a JSON error is a ValueError
    if value is not None and not isinstance(value, dict):
        raise TypeError("not an object")
    return value
