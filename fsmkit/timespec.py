"""Instants and spans as the command line writes them: `--as-of`, `--since`, `--until`, `--window`.

An instant is a date (00:00 UTC of that day) or an ISO 8601 datetime with an offset; a span is a
count and a unit (`30d`, `12w`, `36h`, `90m`) and, for `--since`, counts back from as_of.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from fsmkit.errors import InputError, RecordError
from fsmkit.model import parse_datetime

_SPAN = re.compile(r"(\d+)\s*([wdhm])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


def parse_instant(text: str, option: str) -> datetime:
    """An aware datetime from a date (00:00 UTC) or a datetime with an offset; else an InputError."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        return parse_datetime(text, option)
    except (RecordError, ValueError):
        raise InputError(
            f"{option} {text!r}: expected a date (2026-03-01) "
            "or a datetime with an offset (2026-03-01T09:00:00+01:00)"
        ) from None


def parse_span(text: str, option: str) -> timedelta:
    """A timedelta from `30d`, `12w`, `36h` or `90m`; else an InputError."""
    match = _SPAN.fullmatch(text.strip().lower())
    if not match:
        raise InputError(f"{option} {text!r}: expected a span such as 30d, 12w or 36h")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def parse_since(text: str, as_of: datetime, option: str = "--since") -> datetime:
    """The start of a window: a span counted back from as_of, or an instant."""
    if _SPAN.fullmatch(text.strip().lower()):
        return as_of - parse_span(text, option)
    return parse_instant(text, option)
