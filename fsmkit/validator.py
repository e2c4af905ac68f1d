"""A JSON Schema compiler for the hot path: schema in, a plain Python predicate out.

fsmkit validates every record it reads. jsonschema costs about 20x parsing the record, and even
fastjsonschema's generated code costs more than json.loads itself on a work order (it builds a set of
keys and removes each property from it, then type-checks through a chain of isinstance calls), which
makes "validated and parsed at most 2x json.loads" unreachable. This module compiles the small subset
of draft 2020-12 that schemas/ uses into one flat function of dict lookups and isinstance checks that
only answers *whether* a record is valid; jsonschema explains *why* when it is not (fsmkit.schema).

Supported keywords: type, enum, required, properties, additionalProperties (false or a schema), items,
minItems, maxItems, minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum,
exclusiveMaximum, and annotations. $ref must be inlined first (fsmkit.schema.inlined). Any other
keyword is refused at compile time, so a schema can never carry a constraint this validator skips.
The test suite runs this and jsonschema on every fixture, and on generated variants, and asserts they agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

ANNOTATIONS = {"title", "description", "examples", "$schema", "$id", "$defs", "$comment", "default"}
SUPPORTED = ANNOTATIONS | {
    "type",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
}

# JSON types as Python checks: bool is not a number, and a float with no fraction is an integer.
_TYPE_CHECKS = {
    "null": "{v} is None",
    "boolean": "{v}.__class__ is bool",
    "string": "isinstance({v}, str)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "number": "(isinstance({v}, (int, float)) and {v}.__class__ is not bool)",
    "integer": "((isinstance({v}, int) and {v}.__class__ is not bool)"
    " or (isinstance({v}, float) and {v}.is_integer()))",
}


class Invalid(Exception):
    """Raised by a compiled validator: the record does not match (ask jsonschema why)."""


class _Compiler:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {"Invalid": Invalid}
        self.counter = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def constant(self, value: Any) -> str:
        name = self.name("C")
        self.constants[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def node(self, schema: Any, var: str, depth: int, not_none: bool = False) -> None:
        """Emit the checks of `schema` on variable `var`; `not_none`: var is known not to be None."""
        if schema is True or schema == {}:
            return
        if schema is False:
            self.emit(depth, "raise Invalid")
            return
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported by fsmkit.validator")
        known = None  # the one JSON type var is known to have after the type check
        if "type" in schema:
            types = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
            if not_none:
                types = [t for t in types if t != "null"]
            types.sort(key=lambda t: t != "null")  # `v is None` is the cheapest test: first
            check = " or ".join(_TYPE_CHECKS[t].format(v=var) for t in types) or "False"
            self.emit(depth, f"if not ({check}): raise Invalid")
            known = types[0] if len(types) == 1 else None
        if "enum" in schema:
            self.enum(schema["enum"], var, depth)
        self.strings(schema, var, depth, known == "string")
        self.numbers(schema, var, depth)
        self.objects(schema, var, depth, known == "object")
        self.arrays(schema, var, depth, known == "array")

    def enum(self, values: list[Any], var: str, depth: int) -> None:
        if not all(v is None or isinstance(v, str) for v in values):
            raise ValueError("enum of values other than strings and null is not supported")
        # Strings and null only: no 1 == True surprises; the type test first keeps dicts out of the set.
        members = self.constant(frozenset(values))
        self.emit(
            depth,
            f"if not ({var} is None or isinstance({var}, str)) or {var} not in {members}: raise Invalid",
        )

    def strings(self, schema: dict[str, Any], var: str, depth: int, is_string: bool) -> None:
        checks = []
        if "minLength" in schema:
            checks.append(f"len({var}) < {int(schema['minLength'])}")
        if "maxLength" in schema:
            checks.append(f"len({var}) > {int(schema['maxLength'])}")
        if "pattern" in schema:
            checks.append(f"{self.constant(re.compile(schema['pattern']))}.search({var}) is None")
        if checks:
            guard = "" if is_string else f"isinstance({var}, str) and "
            self.emit(depth, f"if {guard}({' or '.join(checks)}): raise Invalid")

    def numbers(self, schema: dict[str, Any], var: str, depth: int) -> None:
        bounds = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
        checks = [f"{var} {op} {schema[k]!r}" for k, op in bounds.items() if k in schema]
        if checks:
            number = _TYPE_CHECKS["number"].format(v=var)
            self.emit(depth, f"if {number} and ({' or '.join(checks)}): raise Invalid")

    def objects(self, schema: dict[str, Any], var: str, depth: int, is_object: bool) -> None:
        if not {"required", "properties", "additionalProperties"} & schema.keys():
            return
        if not is_object:
            self.emit(depth, f"if isinstance({var}, dict):")
            depth += 1
            self.emit(depth, "pass")
        if schema.get("required"):
            required = self.constant(frozenset(schema["required"]))
            self.emit(depth, f"if not {required} <= {var}.keys(): raise Invalid")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        if extra is False:
            self.emit(depth, f"if not {var}.keys() <= {self.constant(frozenset(properties))}: raise Invalid")
        elif extra is not True:
            key, value = self.name("k"), self.name("v")
            self.emit(depth, f"for {key}, {value} in {var}.items():")
            self.emit(depth + 1, f"if {key} not in {self.constant(frozenset(properties))}:")
            self.node(extra, value, depth + 2)
            self.emit(depth + 2, "pass")
        for prop, subschema in properties.items():
            if subschema is True or subschema == {}:
                continue
            value = self.name("p")
            if prop in schema.get("required", ()):
                self.emit(depth, f"{value} = {var}[{prop!r}]")  # present: checked above
                self.node(subschema, value, depth)
                continue
            if _null_passes(subschema):
                # An absent property and a null one pass alike: one lookup, one test.
                self.emit(depth, f"{value} = {var}.get({prop!r})")
                self.emit(depth, f"if {value} is not None:")
                self.node(subschema, value, depth + 1, not_none=True)
            else:
                self.emit(depth, f"{value} = {var}.get({prop!r}, Invalid)")
                self.emit(depth, f"if {value} is not Invalid:")
                self.node(subschema, value, depth + 1)
            self.emit(depth + 1, "pass")

    def arrays(self, schema: dict[str, Any], var: str, depth: int, is_array: bool) -> None:
        guard = "" if is_array else f"isinstance({var}, list) and "
        checks = []
        if "minItems" in schema:
            checks.append(f"len({var}) < {int(schema['minItems'])}")
        if "maxItems" in schema:
            checks.append(f"len({var}) > {int(schema['maxItems'])}")
        if checks:
            self.emit(depth, f"if {guard}({' or '.join(checks)}): raise Invalid")
        if "items" in schema:
            item = self.name("i")
            if not is_array:
                self.emit(depth, f"if isinstance({var}, list):")
                depth += 1
            self.emit(depth, f"for {item} in {var}:")
            self.node(schema["items"], item, depth + 1)
            self.emit(depth + 1, "pass")


def _null_passes(schema: Any) -> bool:
    """Whether null is valid against `schema` (only type and enum can refuse it in our subset)."""
    if schema is True:
        return True
    if schema is False:
        return False
    types = schema.get("type")
    if types is not None and "null" not in ([types] if isinstance(types, str) else types):
        return False
    return "enum" not in schema or None in schema["enum"]


def source(schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The Python source of `validate(data)` for `schema`, and the constants it refers to."""
    compiler = _Compiler()
    compiler.emit(0, "def validate(data):")
    compiler.node(schema, "data", 1)
    compiler.emit(1, "return data")
    return "\n".join(compiler.lines) + "\n", compiler.constants


def compile_schema(schema: dict[str, Any]) -> Callable[[Any], Any]:
    """A function that returns its argument when it is valid against `schema` and raises Invalid if not."""
    text, namespace = source(schema)
    exec(compile(text, "<fsmkit.validator>", "exec"), namespace)  # our own generated code, from our schemas
    return namespace["validate"]
