"""Output formats: stable machine formats, csv flattening, readable tables, atomic files."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fsmkit.model import Finding, Subject, utc
from fsmkit.output import emit, open_output, settle, write_jsonl

FINDINGS = [
    Finding(rule="response", status="breached", severity="critical", account_id="acc-1",
            subject=Subject("work_order", "wo-1"), work_order_id="wo-1", promise_id="p1",
            due_at=utc(datetime(2026, 3, 2, 13, 15, tzinfo=ZoneInfo("Europe/Berlin"))),
            actual_at=datetime(2026, 3, 2, 12, 40, tzinfo=UTC), late_by_minutes=26, clock="business",
            evidence=[{"work_order_id": "wo-1", "number": "WO-1"}], message='Arrived "late", by 26 min.'),
    Finding(rule="coverage", status="not_covered", subject=Subject("work_order", "wo-2"), severity="low"),
]  # fmt: skip
COLUMNS = ("rule", "status", "subject", "due_at", "late_by_minutes", "evidence", "message")


def render(fmt: str, **kwargs: object) -> str:
    stream = io.StringIO()
    emit(FINDINGS, fmt, stream, columns=COLUMNS, document={"as_of": datetime(2026, 3, 3, tzinfo=UTC)},
         key="findings", **kwargs)  # fmt: skip
    return stream.getvalue()


def test_jsonl_is_one_full_record_a_line_in_utc() -> None:
    lines = render("jsonl").splitlines()
    assert len(lines) == 2
    assert lines[0] == (
        '{"rule":"response","status":"breached","severity":"critical","account_id":"acc-1",'
        '"subject":{"type":"work_order","id":"wo-1"},"work_order_id":"wo-1","promise_id":"p1",'
        '"due_at":"2026-03-02T12:15:00Z","actual_at":"2026-03-02T12:40:00Z","late_by_minutes":26,'
        '"remaining_minutes":null,"clock":"business","evidence":[{"work_order_id":"wo-1","number":"WO-1"}],'
        '"message":"Arrived \\"late\\", by 26 min."}'
    )
    assert '"due_at":null' in lines[1]


def test_jsonl_to_a_binary_backed_stream_keeps_text_written_around_it() -> None:
    # Files and stdout have a binary buffer, which jsonl writes to directly; text before and after
    # (a csv header, later findings) must stay in place.
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    stream.write("before\n")
    write_jsonl(FINDINGS, stream)
    stream.write("after\n")
    write_jsonl(FINDINGS[:1], stream)
    stream.flush()
    lines = raw.getvalue().decode().splitlines()
    assert lines[0] == "before" and lines[3] == "after"
    assert lines[1:3] == render("jsonl").splitlines() and lines[4] == lines[1]


def test_json_is_one_document_and_stable() -> None:
    text = render("json")
    assert text.startswith(
        '{\n  "as_of": "2026-03-03T00:00:00Z",\n  "findings": [\n    {\n      "rule": "response"'
    )
    assert text == render("json")


def test_csv_flattens_nested_fields_as_json() -> None:
    assert render("csv").splitlines() == [
        "rule,status,subject,due_at,late_by_minutes,evidence,message",
        'response,breached,"{""type"":""work_order"",""id"":""wo-1""}",2026-03-02T12:15:00Z,26,'
        '"[{""work_order_id"":""wo-1"",""number"":""WO-1""}]","Arrived ""late"", by 26 min."',
        'coverage,not_covered,"{""type"":""work_order"",""id"":""wo-2""}",,,[],',
    ]


def test_table_is_aligned_without_trailing_blanks() -> None:
    rows = [["wo-1", "breached", timedelta(hours=4)], ["wo-2", "not_covered", None]]
    lines = render("table", table_rows=rows, table_headers=("work order", "status", "target")).splitlines()
    assert lines[0] == " work order   status        target"
    assert set(lines[1]) == {"─"}
    assert lines[2:] == [" wo-1         breached      PT4H", " wo-2         not_covered"]


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    target = tmp_path / "findings.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), open_output(target) as stream:
        stream.write("half of the new\n")
        raise RuntimeError("the run failed half way")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    with open_output(target) as stream:
        stream.write("new\n")
    assert target.read_text() == "new\n"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="Linux and BSD only")
def test_settle_writes_a_file_through_and_lets_its_pages_go(tmp_path: Path, monkeypatch) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: calls.append(("fdatasync", fd)))
    monkeypatch.setattr(os, "posix_fadvise", lambda *args: calls.append(("fadvise", *args)))
    with (tmp_path / "out.jsonl").open("w") as stream:
        stream.write("a finding\n")
        settle(stream)
        fd = stream.fileno()
    assert (tmp_path / "out.jsonl").read_text() == "a finding\n"  # flushed first
    assert calls == [("fdatasync", fd), ("fadvise", fd, 0, 0, os.POSIX_FADV_DONTNEED)]


def test_settle_leaves_a_pipe_alone(monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: calls.append("fdatasync"))
    read, write = os.pipe()
    with os.fdopen(write, "w") as stream, os.fdopen(read) as reader:
        stream.write("a finding\n")
        settle(stream)
        assert reader.readline() == "a finding\n"
    assert calls == []
