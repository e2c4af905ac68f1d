"""`fsmkit doctor`: check that the profile works before a cron job finds out it does not."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import click

from fsmkit.app import App
from fsmkit.commands._options import output_options
from fsmkit.commands.init import toml_value
from fsmkit.connectors.base import Check
from fsmkit.errors import ExitStatus, FsmkitError
from fsmkit.output import emit, open_output, write_json

COLUMNS = ("name", "ok", "detail", "hint", "kind")
MAPPING_COLUMNS = ("kind", "table", "filter", "parent", "field", "source")


@click.command()
@output_options()
@click.option(
    "--mapping",
    "show_mapping",
    is_flag=True,
    help="Print the field mapping the profile's connector reads with (its defaults with the profile's "
    "overrides merged in) instead of checking; no request is made.",
)
@click.pass_obj
def doctor(app: App, format: str, output: str | None, show_mapping: bool) -> ExitStatus:
    """Check the profile: its settings, its data or platform, and write access for tasks.

    Prints one line per check with its result and, for a failure, a hint. Exits 0 when every
    check passed, 2 when a setting or the data is wrong, 3 when the platform is unreachable or
    refuses (2 wins when both happen). A field a mapped kind reads that the platform lacks (or
    hides from the API user) fails its table's `fields` check, which names the kind and the
    fields; a table with no row to check against is said, not failed.

    With --mapping, prints the merged field mapping instead: one row per canonical field (kind,
    table, filter, parent, field, and the platform field or its full spec), or with --format json
    one document in the shape of a profile's `mapping` table.

    \b
    Examples:
      fsmkit --profile demo doctor
      fsmkit --profile prod doctor --format json
      fsmkit --profile prod doctor --mapping
    """
    if show_mapping:
        return _print_mapping(app, format, output)
    profile = app.profile
    checks = [
        Check(
            "profile",
            True,
            f"{profile.name}: {profile.connector_name} connector ({profile.source})",
            kind="input",
        )
    ]
    try:
        checks.extend(app.connector.check())
    except FsmkitError as exc:
        checks.append(Check("connector", False, str(exc), "fix the profile's settings", "input"))
    rows = ([c.name, "ok" if c.ok else "FAIL", _detail(c)] for c in checks)
    document = {"profile": profile.name, "connector": profile.connector_name}
    with open_output(output) as stream:
        emit(
            checks,
            format,
            stream,
            columns=COLUMNS,
            document=document,
            key="checks",
            table_rows=rows,
            table_headers=("check", "result", "detail"),
        )
    failed = [c for c in checks if not c.ok]
    app.say(f"{len(checks)} checks, {len(failed)} failed" if failed else f"{len(checks)} checks, all passed")
    if any(c.kind == "input" for c in failed):
        return ExitStatus.INPUT_ERROR
    if failed:
        return ExitStatus.PLATFORM_ERROR
    return ExitStatus.OK


def _detail(check: Check) -> str:
    return check.detail + (f"\nhint: {check.hint}" if check.hint and not check.ok else "")


def _print_mapping(app: App, format: str, output: str | None) -> ExitStatus:
    """`doctor --mapping`: the connector's merged field mapping, or a message when it has none."""
    profile = app.profile
    mapping = app.connector.field_mapping()
    if mapping is None:
        app.say(
            f"the {profile.connector_name} connector has no field mapping: "
            "it reads canonical records as they are"
        )
    document = mapping_document(mapping) if mapping is not None else None
    if document is None and format != "json":
        return ExitStatus.OK  # nothing to list: the message above says why
    with open_output(output) as stream:
        if format == "json":
            write_json(
                {"profile": profile.name, "connector": profile.connector_name, "mapping": document}, stream
            )
        else:
            records = list(_mapping_rows(document or {}))
            rows = ([r[c] or "" for c in MAPPING_COLUMNS] for r in records)
            emit(
                records,
                format,
                stream,
                columns=MAPPING_COLUMNS,
                table_rows=rows,
                table_headers=MAPPING_COLUMNS,
            )
    return ExitStatus.OK


def mapping_document(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A merged mapping (kind -> KindMap, or the plain tables of a mapping file) in the shape of a
    profile's `mapping` table: per kind table, filter, parent, span_table, and fields (a platform field,
    or an object with field, label, map, default, json, fallback)."""
    document: dict[str, Any] = {}
    for kind, entry in mapping.items():
        if isinstance(entry, Mapping):
            document[kind] = dict(entry)
            continue
        plain: dict[str, Any] = {"table": entry.table}
        for name in ("filter", "parent", "span_table"):
            if getattr(entry, name, None):
                plain[name] = getattr(entry, name)
        plain["fields"] = {spec.name: _spec_entry(spec) for spec in entry.fields}
        document[kind] = plain
    return document


def _spec_entry(spec: Any) -> str | dict[str, Any]:
    entry: dict[str, Any] = {"field": spec.field}
    if spec.label:
        entry["label"] = True
    if spec.values is not None:
        entry["map"] = dict(spec.values)
    if spec.has_default:
        entry["default"] = spec.default
    if spec.json:
        entry["json"] = True
    if spec.fallback:
        fallback: dict[str, Any] = {"field": spec.fallback}
        if spec.fallback_if:
            fallback["when"] = {"field": spec.fallback_if, "labels": list(spec.fallback_labels)}
        entry["fallback"] = fallback
    return spec.field if len(entry) == 1 else entry


def _mapping_rows(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for kind, entry in document.items():
        where = {
            "kind": kind,
            "table": entry.get("table"),
            "filter": entry.get("filter"),
            "parent": entry.get("parent"),
        }
        for name, source in (entry.get("fields") or {}).items():
            yield {
                **where,
                "field": name,
                "source": source if isinstance(source, str) else toml_value(source),
            }
