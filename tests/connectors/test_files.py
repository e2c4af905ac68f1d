"""The files connector: streaming, filters, ordering, errors that name the file and line, and tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import builders
import orjson
import pytest

from fsmkit.connectors.files import FilesConnector
from fsmkit.errors import InputError
from fsmkit.model import Related, Task


def wo(n: int, opened: str, **fields: object) -> dict:
    return builders.work_order(id=f"wo-{n:03}", number=f"WO-{n:04}", opened_at=opened, **fields)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return builders.write_folder(
        tmp_path / "data",
        account=[builders.account(), builders.account(id="acc-2", name="Hotel Adler")],
        asset=[builders.asset(), builders.asset(id="ast-2", account_id="acc-2", contract_id=None)],
        calendar=[builders.calendar()],
        contract=[builders.contract()],
        knowledge=[builders.knowledge(), builders.knowledge(id="kb-2", model="IceMaster IM-300")],
        work_order=[
            wo(1, "2026-03-01T08:00:00+01:00"),
            wo(2, "2026-03-02T08:00:00+01:00", account_id="acc-2", asset_id="ast-2", contract_id=None),
            wo(
                3, "2026-03-02T07:00:00Z", kind="preventive"
            ),  # 08:00+01:00: same instant as wo-2, id breaks the tie
            wo(4, "2026-03-05T00:00:00+01:00"),
        ],
    )


def ids(records: object) -> list[str]:
    return [r.id for r in records]


def test_work_orders_in_order_with_since_until(folder: Path) -> None:
    c = FilesConnector(folder)
    assert ids(c.work_orders(None)) == ["wo-001", "wo-002", "wo-003", "wo-004"]
    since = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    until = datetime(2026, 3, 4, 23, 0, tzinfo=UTC)  # == wo-004's opened_at: excluded, [since, until)
    assert ids(c.work_orders(since, until)) == ["wo-002", "wo-003"]
    assert ids(c.work_orders(since, datetime(2026, 3, 4, 23, 0, 1, tzinfo=UTC))) == [
        "wo-002",
        "wo-003",
        "wo-004",
    ]


def test_work_order_filters(folder: Path) -> None:
    c = FilesConnector(folder)
    assert ids(c.work_orders(None, account_ids=["acc-2"])) == ["wo-002"]
    assert ids(c.work_orders(None, asset_ids=["ast-1"])) == ["wo-001", "wo-003", "wo-004"]
    assert ids(c.work_orders(None, kinds=["preventive"])) == ["wo-003"]
    assert ids(c.work_orders(None, account_ids=["acc-1"], kinds=["corrective"])) == ["wo-001", "wo-004"]
    assert ids(c.work_orders(None, account_ids=[])) == []


def test_other_kinds_and_filters(folder: Path) -> None:
    c = FilesConnector(folder)
    assert ids(c.accounts()) == ["acc-1", "acc-2"]
    assert ids(c.accounts(["acc-2"])) == ["acc-2"]
    assert ids(c.assets(["acc-2"])) == ["ast-2"]
    assert ids(c.contracts(["acc-2"])) == []
    assert ids(c.calendars()) == ["cal-berlin"]
    assert ids(c.knowledge(["IceMaster IM-300"])) == ["kb-2"]


def test_work_order_by_id_or_number(folder: Path) -> None:
    c = FilesConnector(folder)
    assert c.work_order("wo-003").number == "WO-0003"
    assert c.work_order("WO-0004").id == "wo-004"
    assert c.work_order("WO-9999") is None


def test_streams_line_by_line_and_stops_at_until(folder: Path) -> None:
    """A broken line after `until` is never read, and the first record comes before later lines are parsed."""
    path = folder / "work_orders.jsonl"
    path.write_text(path.read_text() + "this is not json\n")
    c = FilesConnector(folder)
    stream = c.work_orders(None)
    assert next(stream).id == "wo-001"
    # until stops the read at wo-004 (line 4): the garbage on line 5 is never reached.
    assert ids(c.work_orders(None, datetime(2026, 3, 3, tzinfo=UTC))) == ["wo-001", "wo-002", "wo-003"]
    with pytest.raises(InputError, match=rf"^{path}:5: not valid JSON"):
        list(c.work_orders(None))


def test_out_of_order_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    folder = builders.write_folder(
        tmp_path, work_order=[wo(2, "2026-03-02T08:00:00+01:00"), wo(1, "2026-03-01T08:00:00+01:00")]
    )
    with pytest.raises(InputError) as caught:
        list(FilesConnector(folder).work_orders(None))
    assert str(caught.value) == (
        f"{folder}/work_orders.jsonl:2: work order wo-001 is out of order; "
        "work_orders.jsonl must be sorted by opened_at, then id"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("garbage", "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        (orjson.dumps(wo(9, "2026-03-09T08:00:00")).decode(),
         "field opened_at: '2026-03-09T08:00:00' has no UTC offset; write it with Z or an offset such as +01:00"),
        (orjson.dumps(wo(9, "2026-03-09T08:00:00Z", priority="urgent")).decode(), "field priority: 'urgent' is not one of"),
        (orjson.dumps({"id": "wo-9", "account_id": "a", "kind": "corrective", "state": "open"}).decode(),
         "'opened_at' is missing"),
    ],
)  # fmt: skip
def test_a_bad_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    folder = builders.write_folder(tmp_path, work_order=[wo(1, "2026-03-01T08:00:00+01:00")])
    with (folder / "work_orders.jsonl").open("a") as f:
        f.write("\n" + line + "\n")  # a blank line is skipped but still counts
    with pytest.raises(InputError) as caught:
        list(FilesConnector(folder).work_orders(None))
    assert str(caught.value).startswith(f"{folder}/work_orders.jsonl:3:")
    assert message in str(caught.value)


def test_missing_optional_file_means_no_records(tmp_path: Path) -> None:
    folder = builders.write_folder(tmp_path, account=[builders.account()])
    c = FilesConnector(folder)
    assert list(c.work_orders(None)) == []
    assert list(c.knowledge()) == []
    assert c.work_order("wo-1") is None


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=rf"^{tmp_path}/nope: no such folder; set `path`"):
        list(FilesConnector(tmp_path / "nope").accounts())


# -- tasks ----------------------------------------------------------------------------------------


def task(n: int) -> Task:
    return Task(key=f"fsmkit-{n:024x}", subject=f"Call customer {n}", priority="P2", queue="service_manager",
                related=Related(account_id="acc-1", work_order_id=f"wo-{n}"), rule="response")  # fmt: skip


def task_lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_push_creates_once_per_key(tmp_path: Path) -> None:
    c = FilesConnector(tmp_path, tmp_path / "out" / "tasks.jsonl")
    first = c.push_tasks([task(1), task(2)])
    assert [(r.outcome, r.platform_id) for r in first] == [
        ("created", "tasks.jsonl:1"),
        ("created", "tasks.jsonl:2"),
    ]
    again = c.push_tasks([task(2), task(3), task(3)])
    assert [(r.key, r.outcome, r.platform_id) for r in again] == [
        (task(2).key, "exists", "tasks.jsonl:2"),
        (task(3).key, "created", "tasks.jsonl:3"),
        (task(3).key, "exists", "tasks.jsonl:3"),
    ]
    assert c.push_task(task(1)).outcome == "exists"
    lines = task_lines(tmp_path / "out" / "tasks.jsonl")
    assert [line["key"] for line in lines] == [task(1).key, task(2).key, task(3).key]
    assert lines[0] == {"key": task(1).key, "subject": "Call customer 1", "description": None, "due_on": None,
                        "priority": "P2", "queue": "service_manager",
                        "related": {"account_id": "acc-1", "asset_id": None, "work_order_id": "wo-1"},
                        "rule": "response"}  # fmt: skip


def test_existing_task_keys(tmp_path: Path) -> None:
    c = FilesConnector(tmp_path)
    assert c.existing_task_keys([task(1).key]) == set()
    c.push_task(task(1))
    assert c.existing_task_keys([task(1).key, task(2).key]) == {task(1).key}


def test_crash_mid_append_leaves_no_torn_line_and_no_duplicate(tmp_path: Path) -> None:
    """A crash while writing task 2 leaves half a line; the rerun repairs it and creates task 2 once."""
    c = FilesConnector(tmp_path)
    c.push_task(task(1))
    path = tmp_path / "tasks.jsonl"
    whole = orjson.dumps({"key": task(2).key, "subject": "Call customer 2"}) + b"\n"
    with path.open("ab") as f:
        f.write(whole[: len(whole) // 2])  # what a SIGKILL between write() calls leaves behind
    assert c.existing_task_keys([task(1).key, task(2).key]) == {task(1).key}
    results = c.push_tasks([task(1), task(2)])
    assert [r.outcome for r in results] == ["exists", "created"]
    assert [line["key"] for line in task_lines(path)] == [task(1).key, task(2).key]
    assert path.read_bytes().endswith(b"\n")


def test_crash_between_tasks_then_rerun_creates_the_rest_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = FilesConnector(tmp_path)
    calls = {"n": 0}
    real_fsync = __import__("os").fsync

    def dying_fsync(fd: int) -> None:
        calls["n"] += 1
        real_fsync(fd)
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the process is stopped after two tasks are on disk

    monkeypatch.setattr("fsmkit.connectors.files.os.fsync", dying_fsync)
    with pytest.raises(KeyboardInterrupt):
        c.push_tasks([task(1), task(2), task(3), task(4)])
    monkeypatch.undo()
    results = c.push_tasks([task(1), task(2), task(3), task(4)])
    assert [r.outcome for r in results] == ["exists", "exists", "created", "created"]
    assert len(task_lines(tmp_path / "tasks.jsonl")) == 4


def test_corrupt_complete_task_line_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text("not a task\n")
    with pytest.raises(InputError, match=rf"^{tmp_path}/tasks.jsonl:1: not a task record"):
        FilesConnector(tmp_path).push_task(task(1))


# -- doctor ---------------------------------------------------------------------------------------


def test_check_passes_on_good_folder(folder: Path) -> None:
    checks = FilesConnector(folder).check()
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    details = {c.name: c.detail for c in checks}
    assert details["work_orders.jsonl"] == "4 records valid"
    assert details["accounts.jsonl"] == "2 records valid"


def test_check_reports_a_dangling_reference(folder: Path) -> None:
    builders.write_folder(folder, contract=[builders.contract(calendar_id="cal-nowhere")])
    failed = [c for c in FilesConnector(folder).check() if not c.ok]
    assert [(c.name, c.detail, c.kind) for c in failed] == [
        ("references", "contract con-1: calendar_id 'cal-nowhere' matches no calendar", "input")
    ]


def test_check_reports_bad_line_and_missing_folder(folder: Path, tmp_path: Path) -> None:
    (folder / "assets.jsonl").write_text('{"id": "x"}\n')
    failed = [c for c in FilesConnector(folder).check() if not c.ok]
    assert [(c.name, c.detail) for c in failed] == [
        ("assets.jsonl", f"{folder}/assets.jsonl:1: 'account_id' is missing")
    ]
    [missing] = FilesConnector(tmp_path / "nope").check()
    assert (missing.ok, missing.kind) == (False, "input")
