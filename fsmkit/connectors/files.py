"""The files connector: a folder of JSON Lines files, one canonical record per line.

    accounts.jsonl  assets.jsonl  calendars.jsonl  contracts.jsonl  work_orders.jsonl  knowledge.jsonl

A missing file means no records of that kind. work_orders.jsonl must be sorted by (opened_at, id), so
that work orders stream in the contract's order without the file ever being held in memory; reading
stops at the first work order opened at or after `until`. Pushed tasks are appended to tasks.jsonl (or
the profile's `tasks_path`) under a file lock, once per key, and a line torn by a crash is repaired
before the next append.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import orjson

from fsmkit import wire
from fsmkit.connectors.base import Check, Connector, PushResult
from fsmkit.errors import FsmkitError, InputError, RecordError
from fsmkit.model import (
    PARSERS,
    Account,
    Asset,
    Calendar,
    Contract,
    Knowledge,
    Task,
    WorkOrder,
    iso_to_utc,
    parse_work_order,
    to_json,
)

#: The smallest span of work_orders.jsonl worth reading in a process of its own (about 8,000 work
#: orders): below it, starting a process costs more than it saves.
PARTITION_BYTES = 8 * 1024 * 1024
READ_BUFFER = 1 << 20  # bytes read at a time (the default 8 KB is eight work orders)

FILE_NAMES = {
    "account": "accounts.jsonl",
    "asset": "assets.jsonl",
    "calendar": "calendars.jsonl",
    "contract": "contracts.jsonl",
    "work_order": "work_orders.jsonl",
    "knowledge": "knowledge.jsonl",
}


@dataclass(frozen=True, slots=True)
class Span:
    """A partition of work_orders.jsonl: the lines starting in bytes [start, end), and the order key
    (opened_at, id) of the line before them (None for the first span, or when that line is broken,
    which the span before reports)."""

    start: int
    end: int
    previous: tuple[datetime, str] | None = None


class FilesConnector(Connector):
    """Reads canonical records from a folder of .jsonl files and appends pushed tasks to a .jsonl file."""

    settings: ClassVar[dict[str, dict[str, Any]]] = {
        "path": {
            "type": "string",
            "description": "the folder holding the .jsonl files",
            "examples": ["~/fsm-data"],
        },
        "tasks_path": {
            "type": "string",
            "description": "where pushed tasks go (default: tasks.jsonl in the folder)",
            "examples": ["~/fsm-data/tasks.jsonl"],
        },
    }
    required_settings = ("path",)

    def __init__(self, folder: str | Path, tasks_path: str | Path | None = None) -> None:
        self.folder = Path(folder).expanduser()
        self.tasks_path = Path(tasks_path).expanduser() if tasks_path else self.folder / "tasks.jsonl"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FilesConnector:
        return cls(settings["path"], settings.get("tasks_path"))

    # -- reading ----------------------------------------------------------------------------------

    def _file(self, kind: str) -> Path:
        if not self.folder.is_dir():
            raise InputError(f"{self.folder}: no such folder; set `path` in the profile to the data folder")
        return self.folder / FILE_NAMES[kind]

    def _objects(self, kind: str, span: Span | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, JSON object) of each non-blank line of the kind's file (of the lines starting
        in `span`'s bytes, if given, numbered from its start); none if the file is absent."""
        for number, line in self._lines(kind, span):
            yield number, self._object(kind, number, line, span)

    def _lines(self, kind: str, span: Span | None = None) -> Iterator[tuple[int, bytes]]:
        """(line number, line) of each non-blank line of the kind's file, as `_objects`."""
        path = self._file(kind)
        try:
            handle = path.open("rb", buffering=READ_BUFFER)
        except FileNotFoundError:
            return
        with handle:
            lines: Iterable[bytes] = handle
            if span is not None:
                handle.seek(span.start)
                lines = _lines_starting_within(handle, span.end - span.start)
            for number, line in enumerate(lines, 1):
                if not line.isspace():
                    yield number, line

    def _object(self, kind: str, number: int, line: bytes, span: Span | None) -> dict[str, Any]:
        """The JSON object on a line, or an InputError naming the line."""
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{self._where(kind, number, span)}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            where = self._where(kind, number, span)
            raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
        return data

    def _records(self, kind: str, keep: Callable[[dict[str, Any]], bool] | None = None) -> Iterator[Any]:
        parse = PARSERS[kind]
        for number, data in self._objects(kind):
            if keep is not None and not keep(data):
                continue
            try:
                yield parse(data)
            except RecordError as exc:
                raise exc.located(self._where(kind, number)) from None

    def _where(self, kind: str, number: int, span: Span | None = None) -> str:
        """`path:line` of a line; a line numbered within a span is renumbered from the file's start
        (by counting the lines before the span, which only an error needs)."""
        path = self.folder / FILE_NAMES[kind]
        if span is not None:
            number += _count_lines(path, span.start)
        return f"{path}:{number}"

    def accounts(self, ids: Iterable[str] | None = None) -> Iterator[Account]:
        return self._records("account", _field_in("id", ids))

    def assets(self, account_ids: Iterable[str] | None = None) -> Iterator[Asset]:
        return self._records("asset", _field_in("account_id", account_ids))

    def calendars(self) -> Iterator[Calendar]:
        return self._records("calendar")

    def contracts(self, account_ids: Iterable[str] | None = None) -> Iterator[Contract]:
        return self._records("contract", _field_in("account_id", account_ids))

    def knowledge(self, models: Iterable[str] | None = None) -> Iterator[Knowledge]:
        return self._records("knowledge", _field_in("model", models))

    def work_orders(
        self,
        since: datetime | None,
        until: datetime | None = None,
        account_ids: Iterable[str] | None = None,
        asset_ids: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> Iterator[WorkOrder]:
        return self._work_orders(None, since, until, account_ids, asset_ids, kinds)

    def work_order_partitions(self, parts: int) -> list[Span]:
        """Byte spans of work_orders.jsonl, each at least PARTITION_BYTES (so a small file is one
        span, and is read as usual), each starting at a line, carrying the order key of the line
        before it so that the sort order is checked across spans too."""
        path = self._file("work_order")
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return []
        parts = max(1, min(parts, size // PARTITION_BYTES))
        if parts == 1:
            return []
        starts = [0]
        with path.open("rb") as handle:
            for k in range(1, parts):
                handle.seek(max(size * k // parts, starts[-1]) - 1)
                handle.readline()  # to the end of the line holding that byte
                if handle.tell() < size and handle.tell() > starts[-1]:
                    starts.append(handle.tell())
            previous = [None, *(_order_key(_line_ending_at(handle, start)) for start in starts[1:])]
        ends = [*starts[1:], size]
        return [Span(a, b, key) for a, b, key in zip(starts, ends, previous, strict=True)]

    def work_orders_in(
        self,
        partition: Span,
        since: datetime | None,
        until: datetime | None = None,
        account_ids: Iterable[str] | None = None,
    ) -> Iterator[WorkOrder]:
        return self._work_orders(partition, since, until, account_ids)

    def _work_orders(
        self,
        span: Span | None,
        since: datetime | None,
        until: datetime | None = None,
        account_ids: Iterable[str] | None = None,
        asset_ids: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> Iterator[WorkOrder]:
        keeps = [
            _field_in("account_id", account_ids),
            _field_in("asset_id", asset_ids),
            _field_in("kind", kinds),
        ]
        keep = _all_of([k for k in keeps if k is not None])
        previous = (span and span.previous) or (datetime.min.replace(tzinfo=UTC), "")
        for number, line in self._lines("work_order", span):
            # The order key comes first and cheaply: a work order outside the window is never built.
            # The line is decoded and checked in one pass (fsmkit.wire), and where that cannot vouch
            # for it, read again the careful way, which names what is wrong.
            try:
                record: Any = wire.decode_work_order(line)
                opened_at, record_id, fast = iso_to_utc(record.opened_at), record.id, True
            except (wire.Unreadable, ValueError, OverflowError):
                record = self._object("work_order", number, line, span)
                opened_at, record_id = self._order_key(record, number, span)
                fast = False
            if (opened_at, record_id) < previous:
                raise InputError(
                    f"{self._where('work_order', number, span)}: work order {record_id} is out of order; "
                    "work_orders.jsonl must be sorted by opened_at, then id"
                )
            previous = (opened_at, record_id)
            if until is not None and opened_at >= until:
                return
            if (since is None or opened_at >= since) and (keep is None or keep(record)):
                try:
                    try:
                        work_order = wire.work_order(record, opened_at) if fast else parse_work_order(record)
                    except wire.Unreadable:
                        work_order = parse_work_order(self._object("work_order", number, line, span))
                except RecordError as exc:
                    raise exc.located(self._where("work_order", number, span)) from None
                yield work_order

    def _order_key(self, data: dict[str, Any], number: int, span: Span | None) -> tuple[datetime, str]:
        """(opened_at, id) of a work order's JSON object, or its RecordError, located."""
        key = _key_of(data)
        if key is not None:
            return key
        try:
            parse_work_order(data)  # raises, naming the missing or mistyped field
        except RecordError as exc:
            raise exc.located(self._where("work_order", number, span)) from None
        raise AssertionError("a work order without a readable opened_at and id was parsed")

    def work_order(self, key: str) -> WorkOrder | None:
        by_number = None
        for number, data in self._objects("work_order"):
            if data.get("id") == key or (by_number is None and data.get("number") == key):
                try:
                    record = parse_work_order(data)
                except RecordError as exc:
                    raise exc.located(self._where("work_order", number)) from None
                if record.id == key:
                    return record
                by_number = record
        return by_number

    # -- tasks ------------------------------------------------------------------------------------

    @contextmanager
    def _tasks_locked(self) -> Iterator[None]:
        self.tasks_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.tasks_path.with_name(self.tasks_path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _task_keys(self, repair: bool) -> dict[str, int]:
        """Key -> line number of every task in the tasks file.

        Every append ends with a newline, so a last line without one was torn by a crash: it is not a
        task. With `repair` (under the lock, before appending) it is cut off.
        """
        try:
            content = self.tasks_path.read_bytes()
        except FileNotFoundError:
            return {}
        complete = content[: content.rfind(b"\n") + 1]
        if repair and len(complete) != len(content):
            with open(self.tasks_path, "r+b") as handle:
                handle.truncate(len(complete))
                os.fsync(handle.fileno())
        keys = {}
        for number, line in enumerate(complete.splitlines(), 1):
            try:
                keys[orjson.loads(line)["key"]] = number
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise InputError(
                    f"{self.tasks_path}:{number}: not a task record; fix or remove the line"
                ) from None
        return keys

    def push_task(self, task: Task) -> PushResult:
        return self.push_tasks([task])[0]

    def push_tasks(self, tasks: Iterable[Task]) -> list[PushResult]:
        results = []
        with self._tasks_locked():
            keys = self._task_keys(repair=True)
            with open(self.tasks_path, "ab") as handle:
                for task in tasks:
                    if task.key in keys:
                        results.append(PushResult(task.key, "exists", self._task_id(keys[task.key])))
                        continue
                    handle.write(to_json(task) + b"\n")
                    handle.flush()
                    os.fsync(handle.fileno())
                    keys[task.key] = len(keys) + 1
                    results.append(PushResult(task.key, "created", self._task_id(keys[task.key])))
        return results

    def _task_id(self, line: int) -> str:
        return f"{self.tasks_path.name}:{line}"

    def existing_task_keys(self, keys: Iterable[str]) -> set[str]:
        return set(keys) & self._task_keys(repair=False).keys()

    # -- doctor -----------------------------------------------------------------------------------

    def check(self) -> list[Check]:
        if not self.folder.is_dir():
            return [
                Check(
                    "folder",
                    False,
                    f"{self.folder} is not a folder",
                    "set `path` to the data folder",
                    "input",
                )
            ]
        checks = [Check("folder", True, str(self.folder), kind="input")]
        ids: dict[str, set[str]] = {}
        for kind, name in FILE_NAMES.items():
            checks.append(self._check_file(kind, name, ids))
        checks.append(_check_references(ids, self._references()))
        checks.append(self._check_tasks_writable())
        return checks

    def _check_file(self, kind: str, name: str, ids: dict[str, set[str]]) -> Check:
        if not (self.folder / name).exists():
            ids[kind] = set()
            return Check(name, True, "absent (no records of this kind)", kind="input")
        records = self.work_orders(None) if kind == "work_order" else self._records(kind)
        seen: set[str] = set()
        try:
            for record in records:
                seen.add(record.id)
        except FsmkitError as exc:
            return Check(name, False, str(exc), "fix the line named, then run doctor again", "input")
        ids[kind] = seen
        return Check(name, True, f"{len(seen)} record{'' if len(seen) == 1 else 's'} valid", kind="input")

    def _references(self) -> Iterator[tuple[str, str, str, str]]:
        """(kind, id, field, referenced id) for every reference between records."""
        fields = {
            "asset": ("account_id", "contract_id"),
            "contract": ("account_id", "calendar_id"),
            "work_order": ("account_id", "asset_id", "contract_id"),
        }
        for kind, names in fields.items():
            for _, data in self._objects(kind):
                for name in names:
                    if data.get(name) is not None:
                        yield kind, data.get("id"), name, data[name]

    def _check_tasks_writable(self) -> Check:
        folder = self.tasks_path.parent
        while not folder.exists():
            folder = folder.parent
        if os.access(folder, os.W_OK):
            return Check("tasks", True, f"pushed tasks go to {self.tasks_path}", kind="input")
        return Check(
            "tasks", False, f"{folder} is not writable", "set `tasks_path` to a writable file", "input"
        )


def _check_references(ids: dict[str, set[str]], references: Iterable[tuple[str, str, str, str]]) -> Check:
    target_kind = {
        "account_id": "account",
        "asset_id": "asset",
        "contract_id": "contract",
        "calendar_id": "calendar",
    }
    if len(ids) < len(FILE_NAMES):
        return Check("references", True, "skipped: a file above failed or is absent", kind="input")
    for kind, record_id, name, target in references:
        if target not in ids.get(target_kind[name], set()):
            return Check(
                "references",
                False,
                f"{kind} {record_id}: {name} {target!r} matches no {target_kind[name]}",
                "add the missing record or correct the reference",
                "input",
            )
    return Check(
        "references", True, "every account, asset, contract and calendar reference resolves", kind="input"
    )


def _lines_starting_within(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """The lines of `handle`, from where it stands, that start within the next `size` bytes."""
    for line in handle:
        if size <= 0:
            return
        size -= len(line)
        yield line


def _line_ending_at(handle: BinaryIO, offset: int) -> bytes:
    """The whole line that ends just before byte `offset` (which starts a line)."""
    start = offset - 1
    while start > 0:
        block = max(0, start - 65536)
        handle.seek(block)
        found = handle.read(start - block).rfind(b"\n")
        if found >= 0:
            start = block + found + 1
            break
        start = block
    handle.seek(start)
    return handle.read(offset - start)


def _order_key(line: bytes) -> tuple[datetime, str] | None:
    """(opened_at, id) of a work order line, or None if the line does not have them."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return _key_of(data) if isinstance(data, dict) else None


def _key_of(data: dict[str, Any]) -> tuple[datetime, str] | None:
    """(opened_at, id) of a work order's JSON object, or None if it does not have them."""
    try:
        opened_at, record_id = iso_to_utc(data["opened_at"]), data["id"]
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return (opened_at, record_id) if isinstance(record_id, str) else None


def _count_lines(path: Path, size: int) -> int:
    """How many lines end in the first `size` bytes of a file."""
    count = 0
    with path.open("rb") as handle:
        while size > 0:
            block = handle.read(min(size, 1 << 20))
            if not block:
                break
            count += block.count(b"\n")
            size -= len(block)
    return count


def _all_of(keeps: list[Callable[[Any], bool]]) -> Callable[[Any], bool] | None:
    if not keeps:
        return None
    return lambda data: all(keep(data) for keep in keeps)


def _field_in(name: str, values: Iterable[str] | None) -> Callable[[Any], bool] | None:
    """Whether a record's field `name` is one of `values` (None: no condition); the record is a JSON
    object, or a work order's structs (fsmkit.wire)."""
    if values is None:
        return None
    wanted = set(values)
    return lambda data: (data.get(name) if isinstance(data, dict) else getattr(data, name)) in wanted
