"""`fsmkit audit --jobs N`: work orders read and evaluated in parts, in forked processes, must give
exactly what one process gives (bytes, exit code, errors naming the file's real line)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result

from fsmkit.audit import Audit
from fsmkit.connectors import files
from fsmkit.connectors.files import FilesConnector
from fsmkit.demo import DATA_DIR
from fsmkit.model import parse_datetime

AUDIT = ("audit", "--since", "2025-01-01", "--all")
AS_OF = parse_datetime("2026-10-30T16:00:00Z", "as_of")


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 40 kB, so that the demo's 0.5 MB of work orders splits into many."""
    monkeypatch.setattr(files, "PARTITION_BYTES", 40_000)


@pytest.fixture
def data(tmp_path: Path, config_file: Path) -> Path:
    """A copy of the demo data, as profile "p" (the default)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for source in DATA_DIR.glob("*.jsonl"):
        (folder / source.name).write_bytes(source.read_bytes())
    config_file.write_text(f'default_profile = "p"\n[profiles.p]\nconnector = "files"\npath = "{folder}"\n'
                           'as_of = "2026-10-30T16:00:00Z"\n')  # fmt: skip
    return folder


def test_partitions_cover_the_file_at_line_starts(data: Path, small_parts: None) -> None:
    connector = FilesConnector(data)
    content = (data / "work_orders.jsonl").read_bytes()
    spans = connector.work_order_partitions(8)
    assert len(spans) == 8
    assert spans[0].start == 0 and spans[-1].end == len(content)
    assert all(
        a.end == b.start and content[b.start - 1 : b.start] == b"\n" for a, b in itertools.pairwise(spans)
    )
    whole = [w.id for w in connector.work_orders(None)]
    assert [w.id for s in spans for w in connector.work_orders_in(s, None)] == whole
    by_id = {w.id: w for w in connector.work_orders(None)}
    for span in spans[1:]:
        first = next(connector.work_orders_in(span, None))
        before = whole[whole.index(first.id) - 1]
        assert span.previous == (by_id[before].opened_at, before)


def test_a_small_file_is_one_stream(data: Path) -> None:
    assert FilesConnector(data).work_order_partitions(8) == []  # 0.5 MB is below PARTITION_BYTES


@pytest.mark.parametrize("format", ["jsonl", "csv"])
def test_parts_give_the_same_bytes_and_exit_code(
    run: Callable[..., Result], data: Path, small_parts: None, format: str
) -> None:
    one = run(*AUDIT, "--format", format, "--fail-on", "breached", "--jobs", "1")
    two = run(*AUDIT, "--format", format, "--fail-on", "breached", "--jobs", "2")
    assert (two.exit_code, two.stderr) == (one.exit_code, one.stderr) == (1, "")
    assert two.stdout == one.stdout
    assert len(one.stdout.splitlines()) > 500


def test_fail_on_tripped_only_inside_a_part_is_seen(
    run: Callable[..., Result], data: Path, small_parts: None
) -> None:
    # The demo's one at_risk response is a work order's finding: the parent sees it only from a part.
    args = (*AUDIT, "--kind", "response", "--format", "jsonl", "--fail-on", "at_risk")
    one, two = run(*args, "--jobs", "1"), run(*args, "--jobs", "3")
    assert '"status":"at_risk"' in one.stdout
    assert (two.exit_code, two.stdout) == (one.exit_code, one.stdout)
    assert one.exit_code == 1
    assert (
        run(
            *AUDIT, "--kind", "coverage", "--format", "jsonl", "--fail-on", "at_risk", "--jobs", "3"
        ).exit_code
        == 0
    )


def test_parts_write_the_output_file_whole_and_clean_up(
    run: Callable[..., Result], data: Path, small_parts: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", None)
    target = tmp_path / "out.jsonl"
    result = run(*AUDIT, "--format", "jsonl", "--output", str(target), "--jobs", "2")
    assert (result.exit_code, result.stdout) == (0, "")
    assert target.read_text() == run(*AUDIT, "--format", "jsonl", "--jobs", "1").stdout
    assert list(scratch.iterdir()) == []


def _break(data: Path, number: int, edit: Callable[[str], str]) -> None:
    path = data / "work_orders.jsonl"
    lines = path.read_text().splitlines()
    lines[number - 1] = edit(lines[number - 1])
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("number", [3, 400])
def test_a_broken_line_in_any_part_is_named_by_its_line_in_the_file(
    run: Callable[..., Result], data: Path, small_parts: None, number: int
) -> None:
    _break(data, number, lambda line: line.replace('"state":"', '"state":"bogus-'))
    one, two = (
        run(*AUDIT, "--format", "jsonl", "--jobs", "1"),
        run(*AUDIT, "--format", "jsonl", "--jobs", "2"),
    )
    assert two.exit_code == one.exit_code == 2
    assert two.stderr == one.stderr
    assert two.stderr.startswith(f"fsmkit: error: {data}/work_orders.jsonl:{number}: field state: ")


def test_order_is_checked_across_the_boundary_of_two_parts(
    run: Callable[..., Result], data: Path, small_parts: None
) -> None:
    spans = FilesConnector(data).work_order_partitions(8)
    content = (data / "work_orders.jsonl").read_bytes()
    first_of_third = content[: spans[2].start].count(b"\n") + 1
    # The first work order of the third part moves back to 2025-01-01 (its id keeps the line valid).
    _break(
        data,
        first_of_third,
        lambda line: line.replace('"opened_at":"20', '"opened_at":"2025-01-01T00:00:00Z","x":"', 1),
    )
    broken = (data / "work_orders.jsonl").read_text().splitlines()[first_of_third - 1]
    assert broken.startswith('{"id"')
    two = run(*AUDIT, "--format", "jsonl", "--jobs", "2")
    assert two.exit_code == 2
    assert f"work_orders.jsonl:{first_of_third}: work order " in two.stderr
    assert "is out of order" in two.stderr
    assert two.stderr == run(*AUDIT, "--format", "jsonl", "--jobs", "1").stderr


@pytest.mark.parametrize(
    "narrowing",
    [("--account", "ACC-004", "--account", "ACC-009"), ("--until", "2026-03-01"), ("--since", "2026-06-01")],
)
def test_narrowed_audits_in_parts_give_the_same_bytes(
    run: Callable[..., Result], data: Path, small_parts: None, narrowing: tuple[str, ...]
) -> None:
    args = (*AUDIT, *narrowing, "--format", "jsonl")
    one, two = run(*args, "--jobs", "1"), run(*args, "--jobs", "2")
    assert (two.exit_code, two.stderr) == (one.exit_code, one.stderr) == (0, "")
    assert two.stdout == one.stdout
    assert one.stdout.count("\n") > 20


@pytest.mark.parametrize("count", [2, 3, 7])
def test_later_findings_by_due_ranges_are_the_later_findings_in_order(count: int) -> None:
    def audit() -> Audit:
        connector = FilesConnector(DATA_DIR)
        engine = Audit(
            as_of=AS_OF,
            since=datetime(2025, 1, 1, tzinfo=UTC),
            until=AS_OF,
            accounts={a.id: a for a in connector.accounts()},
            assets={a.id: a for a in connector.assets()},
            contracts=list(connector.contracts()),
            calendars={c.id: c for c in connector.calendars()},
        )
        for _ in engine.work_order_findings(connector.work_orders(*engine.read_window())):
            pass
        return engine

    whole, ranged = audit(), audit()
    expected = list(whole.later_findings())
    ranges = ranged.due_ranges(count)
    assert len(ranges) == count and ranges[0][0] is None and ranges[-1][1] is None
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    in_ranges = [list(ranged.later_findings(due)) for due in ranges]
    assert list(itertools.chain.from_iterable(in_ranges)) == expected
    assert sum(1 for found in in_ranges if found) >= 2  # the split does split
    assert {f.rule for f in expected} >= {"pm_interval", "contract_ending"}
    assert ranged.summary() == whole.summary()
    middle = expected[len(expected) // 2].due_at  # a range starts at a finding's due date: it is in it
    split = [list(whole.later_findings(due)) for due in [(None, middle), (middle, None)]]
    assert split[1][0] == expected[len(expected) // 2] and split[0] + split[1] == expected
