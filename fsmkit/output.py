"""Rendering records as table, json, jsonl or csv, to stdout or atomically to a file.

Machine formats are stable: the same records give the same bytes (datetimes in UTC with Z, every
field present, null when absent, keys in the record's field order). `table` is for people: aligned
columns, colour only on a terminal. `--output FILE` is written to a temporary file beside it and
renamed into place, so a reader never sees half a file and a failed run leaves the old one intact.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from fsmkit.errors import InputError
from fsmkit.model import to_json, to_plain

FORMATS = ("table", "json", "jsonl", "csv")
WRITE_BUFFER = 1 << 20  # bytes written at a time to an output file (the default 8 KB is a dozen findings)


@contextmanager
def open_output(path: str | Path | None) -> Iterator[TextIO]:
    """A text stream for data: stdout, or a temporary file renamed to `path` when the block succeeds."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    target = Path(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:
        raise InputError(
            f"{target}: cannot write there ({exc.strerror}); is the folder there and writable?"
        ) from None
    try:
        with os.fdopen(fd, "w", buffering=WRITE_BUFFER, encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise InputError(f"{target}: cannot replace it ({exc.strerror})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(document: Any, stream: TextIO) -> None:
    """One JSON document, indented."""
    stream.write(to_json(document, indent=True).decode() + "\n")


def write_jsonl(records: Iterable[Any], stream: TextIO) -> None:
    """One record a line, streamed as the records come.

    The JSON bytes go straight to the stream's binary buffer when it has one (files, stdout): decoding
    them to text only for the stream to encode them again costs a third of writing a finding.
    """
    binary = getattr(stream, "buffer", None)
    if binary is None:
        for record in records:
            stream.write(to_json(record).decode() + "\n")
        return
    stream.flush()
    write = binary.write
    for record in records:
        write(to_json(record, newline=True))


def write_csv(records: Iterable[Any], columns: Sequence[str], stream: TextIO, header: bool = True) -> None:
    """A header of `columns` (unless `header` is false), then one row a record; nested values
    JSON-encoded, None as empty."""
    writer = csv.writer(stream, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for record in records:
        plain = to_plain(record)
        writer.writerow([_cell(plain.get(column)) for column in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return to_json(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def append_file(path: str | Path, stream: TextIO) -> None:
    """Copy a UTF-8 file's content to the end of `stream`: in the kernel (sendfile) where the stream is a
    file descriptor, else as bytes through its byte buffer, else as text."""
    buffer = getattr(stream, "buffer", None)
    with open(path, "rb") as source:
        if buffer is None:
            stream.write(source.read().decode())
            return
        stream.flush()
        buffer.flush()
        if not _sendfile(source, buffer):
            shutil.copyfileobj(source, buffer, 1 << 20)
            buffer.flush()


def settle(stream: TextIO) -> None:
    """Write what `stream` holds so far through to disk when it is a regular file, and let the kernel
    drop it from its page cache; nothing otherwise.

    For a long output written in stages while other processes work (`audit --jobs`): the fsync that
    makes `--output` durable at the end then has little left to wait for, and the output does not
    fill memory with gigabytes that fsmkit never reads again. The pages it gives back are reused for
    the next stage's writes, which is cheaper than taking fresh ones: on a virtual machine whose host
    takes back free memory, a run that kept its output cached spent up to 5 s more in the kernel
    (bench/README.md).
    """
    stream.flush()
    fd = _fileno(stream)
    if fd is not None and stat.S_ISREG(os.fstat(fd).st_mode):
        os.fdatasync(fd)
        if hasattr(os, "posix_fadvise"):  # not on macOS
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _fileno(stream: Any) -> int | None:
    """The stream's file descriptor, or None if it has none (an in-memory stream, a test's capture)."""
    try:
        return stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _sendfile(source: BinaryIO, target: BinaryIO) -> bool:
    """Copy all of `source` to `target` with os.sendfile; False (nothing copied) where it cannot."""
    out = _fileno(target)
    if out is None:
        return False
    size, offset = os.fstat(source.fileno()).st_size, 0
    while offset < size:
        try:
            sent = os.sendfile(out, source.fileno(), offset, size - offset)
        except OSError:
            if offset == 0:
                return False  # not supported for this pair: copy through user space instead
            raise
        if sent == 0:
            break
        offset += sent
    return True


def write_table(
    rows: Iterable[Sequence[Any]],
    headers: Sequence[str],
    stream: TextIO,
    title: str | None = None,
) -> None:
    """An aligned table for people; wraps to the terminal's width only when writing to a terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    terminal = stream.isatty()
    table = Table(*headers, title=title, box=box.SIMPLE_HEAD, title_justify="left", show_edge=False)
    for row in rows:
        table.add_row(*(_cell(to_plain(cell)) for cell in row))
    if terminal:
        Console(file=stream, highlight=False, emoji=False).print(table)
        return
    # Off a terminal: no colour, no wrapping, no trailing blanks, the same text whatever the width.
    console = Console(file=io.StringIO(), width=10_000, color_system=None, highlight=False, emoji=False)
    with console.capture() as captured:
        console.print(table)
    stream.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def emit(
    records: Iterable[Any],
    fmt: str,
    stream: TextIO,
    *,
    columns: Sequence[str],
    table_rows: Iterable[Sequence[Any]] | None = None,
    table_headers: Sequence[str] | None = None,
    document: dict[str, Any] | None = None,
    key: str = "items",
) -> None:
    """Write `records` in `fmt`.

    json wraps them as `document[key]` (document defaults to empty); csv uses `columns`; table shows
    `table_rows` under `table_headers` when given, else the records' `columns`.
    """
    if fmt == "json":
        write_json({**(document or {}), key: list(records)}, stream)
    elif fmt == "jsonl":
        write_jsonl(records, stream)
    elif fmt == "csv":
        write_csv(records, columns, stream)
    else:
        if table_rows is None:
            table_rows = ([to_plain(r).get(c) for c in columns] for r in records)
        write_table(table_rows, table_headers or columns, stream)
