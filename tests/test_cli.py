"""The command line as a new user meets it: exit codes, one clear line for bad input, no tracebacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import builders
import pytest
from click.testing import Result

from fsmkit.connectors.base import Check
from fsmkit.connectors.files import FilesConnector


def use_folder(config_file: Path, folder: Path) -> None:
    config_file.write_text(f'default_profile = "p"\n[profiles.p]\nconnector = "files"\npath = "{folder}"\n')


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return builders.write_folder(
        tmp_path / "data", account=[builders.account()], asset=[builders.asset()], calendar=[builders.calendar()],
        contract=[builders.contract()], work_order=[builders.work_order()],
    )  # fmt: skip


def test_doctor_passes_and_prints_a_table(
    run: Callable[..., Result], config_file: Path, folder: Path
) -> None:
    use_folder(config_file, folder)
    result = run("doctor")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2:4] == [
        f" profile             ok       p: files connector ({config_file})",
        f" folder              ok       {folder}",
    ]
    assert result.stderr == "10 checks, all passed\n"


def one_error_line(result: Result) -> str:
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.rstrip("\n")


def test_missing_folder(run: Callable[..., Result], config_file: Path, tmp_path: Path) -> None:
    use_folder(config_file, tmp_path / "typo")
    result = run("doctor")
    assert result.exit_code == 2
    assert f"{tmp_path}/typo is not a folder" in result.stdout
    assert one_error_line(result) == "2 checks, 1 failed"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("}{ garbage", "work_orders.jsonl:2: not valid JSON"),
        (json.dumps(builders.work_order(id="wo-2", opened_at="2026-03-03T09:00:00")),
         "work_orders.jsonl:2: field opened_at: '2026-03-03T09:00:00' has no UTC offset; "
         "write it with Z or an offset such as +01:00"),
    ],
)  # fmt: skip
def test_bad_line_in_work_orders(run: Callable[..., Result], config_file: Path, folder: Path, line: str,
                                 message: str) -> None:  # fmt: skip
    with (folder / "work_orders.jsonl").open("a") as f:
        f.write(line + "\n")
    use_folder(config_file, folder)
    result = run("doctor")
    assert result.exit_code == 2
    assert f"{folder}/{message}" in result.stdout
    assert one_error_line(result) == "10 checks, 1 failed"


def test_bad_promises_file_is_a_failed_check(
    run: Callable[..., Result], config_file: Path, tmp_path: Path
) -> None:
    (tmp_path / "promises.toml").write_text(
        '[contracts."SC-1"]\npromises = [{id = "p", kind = "response", target = "P1M"}]\n'
    )
    config_file.write_text(f'default_profile = "p"\n[profiles.p]\nconnector = "files"\npath = "{tmp_path}"\n'
                           f'promises_file = "{tmp_path}/promises.toml"\n')  # fmt: skip
    result = run("doctor", "--format", "json")
    assert result.exit_code == 2
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert failed == [{
        "name": "connector", "ok": False, "kind": "input", "hint": "fix the profile's settings",
        "detail": f"{tmp_path}/promises.toml: field contracts.SC-1.promises[0].target: 'P1M' uses years or months, "
                  "which have no fixed length; write days instead (P30D, P90D)",
    }]  # fmt: skip


def test_traceback_only_with_verbose(run: Callable[..., Result]) -> None:
    quiet = run("--profile", "nope", "doctor")
    assert quiet.exit_code == 2
    assert one_error_line(quiet).startswith("fsmkit: error: no profile 'nope' in ")
    loud = run("-v", "--profile", "nope", "doctor")
    assert loud.exit_code == 2
    assert loud.stderr.startswith("Traceback (most recent call last)")
    assert loud.stderr.splitlines()[-1] == quiet.stderr.rstrip("\n")


class FailingPlatform(FilesConnector):
    settings: ClassVar[dict[str, dict[str, Any]]] = {}
    required_settings = ()

    @classmethod
    def from_settings(cls, settings: Any) -> FailingPlatform:
        return cls("/nonexistent")

    def check(self) -> list[Check]:
        return [Check("reachable", False, "connection refused", "is the instance_url right?", "platform")]


def test_doctor_exits_3_when_only_the_platform_fails(
    run: Callable[..., Result], config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fsmkit.connectors.registry.load", lambda name: FailingPlatform)
    config_file.write_text('default_profile = "p"\n[profiles.p]\nconnector = "stub"\n')
    result = run("doctor")
    assert result.exit_code == 3
    assert " reachable   FAIL     connection refused" in result.stdout
    assert "hint: is the instance_url right?" in result.stdout


def test_usage_errors_exit_2(run: Callable[..., Result]) -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr
    assert run("connectors", "--format", "xml").exit_code == 2


def test_version_and_help(run: Callable[..., Result]) -> None:
    assert run("--version").stdout == "fsmkit, version 0.1.0\n"
    result = run("--help")
    assert result.exit_code == 0
    assert "Exit codes: 0 done, 1 --fail-on matched" in " ".join(result.stdout.split())


def test_options_read_fsmkit_environment_variables(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("connectors", env={"FSMKIT_CONNECTORS_FORMAT": "csv"})
    assert result.stdout.splitlines()[0] == "name,package,version,target,status"
