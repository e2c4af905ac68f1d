"""The JSON Schemas of schemas/: where they are, and validators for them.

The schemas are one source of truth. A wheel carries them inside the package (fsmkit/schemas); in a
source checkout or an editable install they sit beside the package. `schema_dir` finds either.

Two validators read the same schemas: a compiled one (fsmkit.validator) for the hot path, where a
record is checked in a few microseconds, and jsonschema (draft 2020-12) to explain a record that
failed, with the path of the offending field. The test suite runs both on every fixture to prove
they agree. Work orders, the records read by the million, are also decoded and checked in one pass by
msgspec structs generated from the same schema (fsmkit.wire).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fsmkit.validator import Invalid, compile_schema

BASE_URI = "https://fsmkit.dev/schemas/"
PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def schema_dir() -> Path:
    """The folder holding the *.schema.json files, inside the installed package or beside it."""
    for candidate in (PACKAGE_DIR / "schemas", PACKAGE_DIR.parent / "schemas"):
        if (candidate / "common.schema.json").is_file():
            return candidate
    raise RuntimeError(f"fsmkit's schemas are missing: looked in {PACKAGE_DIR}/schemas and beside it")


@cache
def load(name: str) -> dict[str, Any]:
    """The schema called `name` (`work_order`, `config`, ...) as a dict."""
    return json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


def names() -> list[str]:
    """The names of every schema shipped."""
    return sorted(p.name.removesuffix(".schema.json") for p in schema_dir().glob("*.schema.json"))


_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "examples"}


def inlined(name: str) -> dict[str, Any]:
    """Schema `name` with every $ref replaced by its target and annotations dropped.

    The compiled validator needs it: it checks one flat schema. Our schemas have no recursive
    references, so inlining terminates.
    """

    def resolve(node: Any, document: dict[str, Any], in_properties: bool = False) -> Any:
        if isinstance(node, list):
            return [resolve(item, document) for item in node]
        if not isinstance(node, dict):
            return node
        if in_properties:  # keys here are field names, not keywords
            return {key: resolve(value, document) for key, value in node.items()}
        if "$ref" in node:
            file, _, pointer = node["$ref"].partition("#")
            target_document = load(file.removesuffix(".schema.json")) if file else document
            target: Any = target_document
            for part in filter(None, pointer.split("/")):
                target = target[part]
            return resolve(target, target_document)
        return {
            key: resolve(value, document, in_properties=key == "properties")
            for key, value in node.items()
            if key not in _ANNOTATIONS
        }

    return resolve(load(name), load(name))


@cache
def compiled(name: str) -> Callable[[Any], Any]:
    """A fast validator for schema `name`: raises fsmkit.validator.Invalid on a bad record."""
    return compile_schema(inlined(name))


@cache
def _registry() -> Any:
    import referencing  # jsonschema's, imported only when a record needs explaining

    resources = [
        (BASE_URI + f"{n}.schema.json", referencing.Resource.from_contents(load(n))) for n in names()
    ]
    return referencing.Registry().with_resources(resources)


@cache
def explaining(name: str) -> Any:
    """A jsonschema validator for schema `name`, used to say exactly why a record failed."""
    import jsonschema

    return jsonschema.Draft202012Validator(load(name), registry=_registry())


def is_valid(name: str, data: Any) -> bool:
    """Whether `data` is valid against schema `name` (by the compiled validator)."""
    try:
        compiled(name)(data)
    except Invalid:
        return False
    return True


def field_path(parts: Any) -> str | None:
    """`visits[0].outcome` from the parts of a JSON path; None for the record itself."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return text or None


def first_error(name: str, data: Any) -> tuple[str | None, str] | None:
    """(dotted field path or None, message) of the most relevant violation, or None when valid."""
    from jsonschema.exceptions import best_match

    if is_valid(name, data):  # the compiled check is cheap; jsonschema only explains a failure
        return None
    error = best_match(explaining(name).iter_errors(data))
    if error is None:
        return None
    path = field_path(error.absolute_path)
    if error.validator == "additionalProperties":
        properties = error.schema.get("properties", {})
        extra = sorted(set(error.instance) - set(properties))
        hint = " (fields fsmkit has no name for go under extra)" if "extra" in properties else ""
        return path, f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(extra)}{hint}"
    if error.validator == "required":
        return path, error.message.replace("is a required property", "is missing")
    return path, error.message
