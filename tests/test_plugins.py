"""Third-party connectors: a throwaway distribution declares one entry point and fsmkit finds and uses it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result

TOY = """
from fsmkit.connectors.base import Check, Connector, PushResult


class ToyConnector(Connector):
    settings = {"greeting": {"type": "string", "description": "what to say", "examples": ["hello"]}}
    required_settings = ("greeting",)

    def __init__(self, greeting):
        self.greeting = greeting

    @classmethod
    def from_settings(cls, settings):
        return cls(settings["greeting"])

    def check(self):
        return [Check("toy", True, f"the toy says {self.greeting}")]

    def accounts(self, ids=None): return iter(())
    def assets(self, account_ids=None): return iter(())
    def calendars(self): return iter(())
    def contracts(self, account_ids=None): return iter(())
    def work_orders(self, since, until=None, account_ids=None, asset_ids=None, kinds=None): return iter(())
    def work_order(self, key): return None
    def push_task(self, task): return PushResult(task.key, "created", "toy-1")
    def existing_task_keys(self, keys): return set()
"""


def install_distribution(site: Path, name: str, module: str, source: str, entry: str) -> None:
    """What `pip install` leaves behind: a module and a .dist-info with METADATA and entry_points.txt."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[fsmkit.connectors]\n{entry}\n")


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    install_distribution(site, "fsmkit-toy", "fsmkit_toy", TOY, "toy = fsmkit_toy:ToyConnector")
    install_distribution(site, "fsmkit-broken", "fsmkit_broken", "import no_such_module\n",
                         "broken = fsmkit_broken:Connector")  # fmt: skip
    monkeypatch.syspath_prepend(str(site))
    return site


def test_plugin_is_listed_with_its_package(run: Callable[..., Result], plugins: Path) -> None:
    result = run("connectors", "--format", "json")
    assert result.exit_code == 0
    listed = {c["name"]: c for c in orjson.loads(result.stdout)["connectors"]}
    assert listed["toy"] == {"name": "toy", "package": "fsmkit-toy", "version": "1.0",
                             "target": "fsmkit_toy:ToyConnector", "status": "ok"}  # fmt: skip
    assert listed["files"]["package"] == "fsmkit"
    assert listed["broken"]["status"] == "failed to load"
    assert result.stderr == (
        "fsmkit: warning: connector 'broken' from package fsmkit-broken failed to load: "
        "No module named 'no_such_module'\n"
    )


def test_plugin_is_selected_by_a_profile(
    run: Callable[..., Result], plugins: Path, config_file: Path
) -> None:
    config_file.write_text('default_profile = "t"\n[profiles.t]\nconnector = "toy"\ngreeting = "ahoy"\n')
    result = run("doctor", "--format", "jsonl")
    assert result.exit_code == 0
    assert orjson.loads(result.stdout.splitlines()[1]) == {
        "name": "toy",
        "ok": True,
        "detail": "the toy says ahoy",
        "hint": None,
        "kind": "platform",
    }


def test_plugin_settings_are_checked(run: Callable[..., Result], plugins: Path, config_file: Path) -> None:
    config_file.write_text('default_profile = "t"\n[profiles.t]\nconnector = "toy"\ngreting = "ahoy"\n')
    result = run("doctor")
    assert result.exit_code == 2
    assert "unknown setting 'greting' (did you mean 'greeting'?)" in result.stderr


def test_broken_plugin_selected_is_a_clear_error(
    run: Callable[..., Result], plugins: Path, config_file: Path
) -> None:
    config_file.write_text('default_profile = "b"\n[profiles.b]\nconnector = "broken"\n')
    result = run("doctor")
    assert result.exit_code == 2
    assert result.stderr == (
        "fsmkit: error: connector 'broken' from package fsmkit-broken failed to load: No module named 'no_such_module'\n"
    )
