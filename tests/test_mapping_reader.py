"""Compiled mapping readers (fsmkit/connectors/_rest.py): the same canonical objects, typed values and
errors as reading a row spec by spec, for any mapping."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsmkit.connectors._rest import DATES, DATETIMES, NUMBERS, FieldSpec, KindMap, plain, reader_source
from fsmkit.connectors.servicenow import ServiceNowConnector
from fsmkit.errors import ConfigError, InputError, RecordError

# -- the oracle: a row read spec by spec, field after field, then typed (the rules KindMap.read documents)


def oracle_raw(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name, "")
    if isinstance(value, dict):
        value = value.get("value", "")
    return "" if value is None else str(value)


def oracle_field(spec: FieldSpec, row: Mapping[str, Any], label: Callable[[str, str], str]) -> Any:
    raw = oracle_raw(row, spec.field)
    if (
        raw == ""
        and spec.fallback
        and (
            not spec.fallback_if
            or label(spec.fallback_if, oracle_raw(row, spec.fallback_if)) in spec.fallback_labels
        )
    ):
        raw = oracle_raw(row, spec.fallback)
    value = label(spec.field, raw) if spec.label and raw != "" else raw
    if spec.values is not None:
        if value in spec.values:
            return spec.values[value]
        if spec.has_default:
            return spec.default
    if value == "":
        return None
    if spec.json:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RecordError(f"{spec.field} does not hold JSON text", spec.name) from None
    return value


def oracle_typed(
    record: dict[str, Any], to_datetime: Callable[[str, str], str | None], prefix: str = ""
) -> None:
    for name, value in record.items():
        where = f"{prefix}{name}"
        if isinstance(value, dict):
            oracle_typed(value, to_datetime, f"{where}.")
        elif not isinstance(value, str):
            continue
        elif name in DATETIMES:
            record[name] = to_datetime(value, where)
        elif name in DATES:
            record[name] = value[:10]
        elif name in NUMBERS:
            try:
                record[name] = float(value) if "." in value else int(value)
            except ValueError:
                raise RecordError(f"{value!r} is not a number", where) from None


def oracle_read(
    kind: KindMap, row: Mapping[str, Any], label: Callable[[str, str], str], to_datetime: Any = None
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for spec in kind.fields:
        head, _, rest = spec.name.partition(".")
        value = oracle_field(spec, row, label)
        if rest:
            record.setdefault(head, {})[rest] = value
        else:
            record[head] = value
    for key, value in record.items():
        if isinstance(value, dict) and all(v is None for v in value.values()) and kind.spec(key) is None:
            record[key] = None
    if to_datetime is not None:
        oracle_typed(record, to_datetime)
    return record


def outcome(read: Callable[[], dict[str, Any]]) -> tuple[Any, ...]:
    try:
        return ("read", read())
    except RecordError as exc:
        return ("error", exc.message, exc.field)


def to_datetime(text: str, where: str) -> str | None:
    if not text.startswith("20"):
        raise RecordError(f"{text!r} is not a date-time", where)
    return f"{text}+00:00"


LABELS = {("state", "3"): "Closed Complete", ("state", "7"): "Cancelled", ("kind", ""): "Closed Complete"}


def label(field: str, value: str) -> str:
    return LABELS.get((field, value), value)


# -- mappings and rows of every shape -------------------------------------------------------------------

PLATFORM = ["sys_id", "state", "kind", "location.name", "work_end"]
CANONICAL = ["id", "opened_at", "installed_on", "expected_life_years", "notes", "feedback", "site.name",
             "site.opened_at", "site.expected_life_years", "a.b.c", "status"]  # fmt: skip
TEXTS = ["", "x", "3", "7", "2026-03-01 07:00:00", "1999-01-01", "2.5", "12", "[1, 2]", "{bad",
         '{"opened_at": "2026-03-01 07:00:00", "n": {"installed_on": "2026-03-01T00:00"}}', "Closed Complete"]  # fmt: skip
values = st.one_of(
    st.sampled_from(TEXTS),
    st.none(),
    st.integers(-5, 5),
    st.sampled_from([2.0, 2.5, True]),
    st.fixed_dictionaries({"value": st.sampled_from(TEXTS), "link": st.just("https://x/y")}),
    st.just({"link": "https://x/y"}),
)
rows = st.dictionaries(st.sampled_from([*PLATFORM, "other"]), values)


@st.composite
def specs(draw: st.DrawFn, name: str) -> FieldSpec:
    value_map = draw(
        st.none() | st.dictionaries(st.sampled_from(TEXTS), st.sampled_from([None, "P1", "2026-01-01"]))
    )
    has_default = value_map is not None and draw(st.booleans())
    fallback = draw(st.none() | st.sampled_from(PLATFORM))
    fallback_if = draw(st.none() | st.sampled_from(PLATFORM)) if fallback else None
    return FieldSpec(
        name,
        draw(st.sampled_from(PLATFORM)),
        label=draw(st.booleans()),
        values=value_map,
        default=draw(st.sampled_from([None, "open", "2.5"])) if has_default else None,
        has_default=has_default,
        json=draw(st.booleans()),
        fallback=fallback,
        fallback_if=fallback_if,
        fallback_labels=("Closed Complete", "") if fallback_if else (),
    )


@st.composite
def kinds(draw: st.DrawFn) -> KindMap:
    names = draw(st.lists(st.sampled_from(CANONICAL), unique=True, max_size=8))
    return KindMap("work_order", "wm_order", tuple(draw(specs(name)) for name in names))


@settings(max_examples=300, deadline=None)
@given(kind=kinds(), row=rows)
def test_a_compiled_reader_reads_as_the_specs_say(kind: KindMap, row: dict[str, Any]) -> None:
    assert outcome(lambda: kind.read(row, label)) == outcome(lambda: oracle_read(kind, row, label))
    typed = outcome(lambda: kind.read(row, label, to_datetime))
    assert typed == outcome(lambda: oracle_read(kind, row, label, to_datetime))


# -- examples -----------------------------------------------------------------------------------------


def work_order_map() -> KindMap:
    return KindMap(
        "work_order",
        "wm_order",
        (
            FieldSpec("id", "sys_id"),
            FieldSpec("state", "state", label=True, values={"Closed Complete": "closed"}, default="open",
                      has_default=True),
            FieldSpec("opened_at", "opened_at"),
            FieldSpec("resolved_at", "work_end", fallback="closed_at", fallback_if="state",
                      fallback_labels=("Closed Complete",)),
            FieldSpec("feedback", "u_feedback", json=True),
            FieldSpec("site.name", "location.name"),
            FieldSpec("site.timezone", "location.time_zone"),
        ),
    )  # fmt: skip


def test_a_row_is_read_nested_typed_and_labelled() -> None:
    row = {"sys_id": "a1", "state": "3", "opened_at": "2026-03-01 07:00:00", "work_end": "",
           "closed_at": "2026-03-02 08:00:00", "u_feedback": '[{"score": 5}]', "location.name": "Plant 4"}  # fmt: skip
    assert work_order_map().read(row, label, to_datetime) == {
        "id": "a1",
        "state": "closed",
        "opened_at": "2026-03-01 07:00:00+00:00",
        "resolved_at": "2026-03-02 08:00:00+00:00",
        "feedback": [{"score": 5}],
        "site": {"name": "Plant 4", "timezone": None},
    }
    untyped = work_order_map().read({"sys_id": {"value": "a2", "link": "https://x"}, "state": "1"})
    assert untyped == {"id": "a2", "state": "open", "opened_at": None, "resolved_at": None, "feedback": None,
                       "site": None}  # fmt: skip


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"sys_id": "a1", "u_feedback": "{no"}, "ServiceNow wm_order a1: field feedback: u_feedback does not hold JSON text"),
        ({"opened_at": "yesterday"},
         "ServiceNow wm_order (no sys_id): field opened_at: 'yesterday' is not a ServiceNow date-time (YYYY-MM-DD HH:MM:SS)"),
        ({"sys_id": "a3", "state": "3", "closed_at": "soon"},
         "ServiceNow wm_order a3: field resolved_at: 'soon' is not a ServiceNow date-time (YYYY-MM-DD HH:MM:SS)"),
    ],
)  # fmt: skip
def test_a_bad_value_names_the_field_and_the_platform_object(
    monkeypatch: pytest.MonkeyPatch, row: dict[str, Any], message: str
) -> None:
    monkeypatch.setenv("TEST_SN_PASSWORD", "pw")
    settings = {
        "instance_url": "https://acme.example.com",
        "username": "api",
        "password_env": "TEST_SN_PASSWORD",
    }
    connector = ServiceNowConnector.from_settings(settings)
    with pytest.raises(InputError) as caught:
        connector._canonical(work_order_map(), row, label)
    assert str(caught.value) == message


def test_a_nested_number_is_typed_where_it_sits() -> None:
    kind = KindMap("asset", "alm_asset", (FieldSpec("model.expected_life_years", "life"),))
    assert kind.read({"life": "7"}, plain, to_datetime) == {"model": {"expected_life_years": 7}}
    with pytest.raises(RecordError) as caught:
        kind.read({"life": "seven"}, plain, to_datetime)
    assert (caught.value.message, caught.value.field) == (
        "'seven' is not a number",
        "model.expected_life_years",
    )


def test_a_name_both_a_field_and_a_parent_of_fields_is_a_config_error() -> None:
    kind = KindMap(
        "asset", "alm_asset", (FieldSpec("site", "location"), FieldSpec("site.name", "location.name"))
    )
    with pytest.raises(ConfigError, match=r"asset\.fields: site, site\.name cannot all be read into 'site'"):
        kind.read({})


def test_the_reader_is_compiled_once_and_again_for_a_changed_map() -> None:
    kind = work_order_map()
    kind.read({})
    compiled = kind._reader
    kind.read({"sys_id": "b"})
    assert kind._reader is compiled
    renamed = replace(kind, fields=(FieldSpec("id", "number"),))
    assert renamed.read({"number": "WO1", "sys_id": "b"}) == {"id": "WO1"}
    assert renamed.spec("id") == FieldSpec("id", "number") and renamed.spec("state") is None


def test_names_from_the_mapping_never_become_code() -> None:
    name = "x\nimport os  # '\""
    kind = KindMap("asset", "alm_asset\n", (FieldSpec(name, "a'\nb"), FieldSpec(f"{name}.{name}", "c")))
    with pytest.raises(ConfigError):
        kind.read({})
    kind = KindMap("asset", "alm_asset\n", (FieldSpec(name, "a'\nb"), FieldSpec(f"s{name}.{name}", "c")))
    assert kind.read({"a'\nb": "1", "c": "2"}) == {name: "1", f"s{name}": {name: "2"}}


def test_the_reader_source_is_readable_and_shows_in_tracebacks() -> None:
    source = reader_source(work_order_map())
    assert source.startswith("def read(row, label, to_datetime):")
    assert "    # 'resolved_at'\n" in source and "label('state', r1) in _c" in source
    compile(source, "<test>", "exec")

    def broken(field: str, value: str) -> str:
        raise LookupError(value)

    with pytest.raises(LookupError) as caught:
        work_order_map().read({"state": "3"}, broken)
    shown = "".join(traceback.format_exception(caught.value))
    assert "<fsmkit reader" in shown and "label('state', v1)" in shown
