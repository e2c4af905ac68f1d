"""--as-of, --since and --until as the command line writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fsmkit.errors import InputError
from fsmkit.timespec import parse_instant, parse_since, parse_span

AS_OF = datetime(2026, 10, 30, 16, 0, tzinfo=UTC)


def test_a_date_is_midnight_utc() -> None:
    assert parse_instant("2026-03-01", "--until") == datetime(2026, 3, 1, tzinfo=UTC)


def test_a_datetime_keeps_its_offset() -> None:
    assert parse_instant("2026-03-01T09:00:00+01:00", "--as-of") == datetime(
        2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=1))
    )


@pytest.mark.parametrize("text", ["2026-03-01T09:00:00", "yesterday", "2026-13-01"])
def test_bad_instants_name_the_option(text: str) -> None:
    with pytest.raises(InputError, match=rf"^--as-of '{text}': expected a date \(2026-03-01\) or a datetime"):
        parse_instant(text, "--as-of")


@pytest.mark.parametrize(
    ("text", "span"),
    [("30d", timedelta(days=30)), ("12w", timedelta(weeks=12)), ("36h", timedelta(hours=36)),
     ("90m", timedelta(minutes=90)), ("365D", timedelta(days=365))],
)  # fmt: skip
def test_spans(text: str, span: timedelta) -> None:
    assert parse_span(text, "--window") == span
    assert parse_since(text, AS_OF) == AS_OF - span


def test_since_takes_an_instant_too() -> None:
    assert parse_since("2026-10-01", AS_OF) == datetime(2026, 10, 1, tzinfo=UTC)
    with pytest.raises(InputError, match=r"^--window '3 days': expected a span such as 30d, 12w or 36h$"):
        parse_span("3 days", "--window")
