"""`fsmkit push` end to end: the demo pipe, reports, dry runs, failures, and exactly once under SIGKILL."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from emulators.demo_to_salesforce import CUSTOM_FIELDS as SF_FIELDS
from emulators.demo_to_salesforce import MAPPING as SF_MAPPING
from emulators.demo_to_salesforce import convert as convert_sf
from emulators.demo_to_salesforce import promises_file as sf_promises_file
from emulators.demo_to_servicenow import MAPPING, convert, load_folder, promises_file
from emulators.salesforce import CLIENT_SECRET as SF_SECRET
from emulators.salesforce import CONSUMER_KEY as SF_KEY
from emulators.salesforce import SalesforceEmulator
from emulators.servicenow import PASSWORD, USERNAME, ServiceNowEmulator

from fsmkit.commands import push as push_module
from fsmkit.config import data_dir
from fsmkit.connectors.base import PushResult
from fsmkit.connectors.files import FilesConnector
from fsmkit.demo import AS_OF, DATA_DIR
from fsmkit.errors import PlatformError

FSMKIT = str(Path(sys.executable).with_name("fsmkit"))  # the installed console script
TASK_TABLE = "sn_customerservice_task"
TIMEOUT = 60.0


def key(material: str) -> str:
    return "fsmkit-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def tasks_file() -> Path:
    return data_dir() / "demo" / "tasks.jsonl"


def task_keys(path: Path) -> list[str]:
    return [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def audit_jsonl(run: Callable[..., Result]) -> str:
    result = run("--profile", "demo", "audit", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def expected_keys(findings_jsonl: str) -> list[str]:
    """The key of each finding's task, in order, one per key: computed here from DESIGN.md's materials."""
    keys: dict[str, None] = {}
    for line in findings_jsonl.splitlines():
        f = json.loads(line)
        rule, wo = f["rule"], f["work_order_id"]
        material = {
            "response": f"{rule}|{wo}|{f['promise_id']}",
            "resolution": f"{rule}|{wo}|{f['promise_id']}",
            "arrival": f"arrival|{f['subject']['id']}|{f['promise_id']}",
            "coverage": f"coverage|{wo}",
            "pm_interval": f"{rule}|{f['subject']['id']}|{(f['due_at'] or '')[:10]}",
            "pm_due_on_site": f"{rule}|{f['subject']['id']}|{(f['due_at'] or '')[:10]}",
            "contract_ending": f"contract_ending|{f['subject']['id']}|{(f['evidence'] or [{}])[0].get('ends_on')}",
        }[rule]
        keys[key(material)] = None
    return list(keys)


def rows(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- the demo pipe -------------------------------------------------------------------------------------


def test_the_demo_pipe_creates_tasks_once(run: Callable[..., Result], audit_jsonl: str) -> None:
    wanted = expected_keys(audit_jsonl)
    assert len(wanted) == 33
    first = run("--profile", "demo", "push", "-", "--format", "jsonl", input=audit_jsonl)
    assert (first.exit_code, first.stderr) == (0, "33 created, 0 exists, 0 failed of 33 tasks from stdin\n")
    assert [(r["key"], r["outcome"], r["platform_id"]) for r in rows(first)] == [
        (k, "created", f"tasks.jsonl:{i}") for i, k in enumerate(wanted, 1)
    ]
    assert task_keys(tasks_file()) == wanted
    second = run("--profile", "demo", "push", "-", "--format", "jsonl", input=audit_jsonl)
    assert (second.exit_code, second.stderr) == (0, "0 created, 33 exists, 0 failed of 33 tasks from stdin\n")
    assert {r["outcome"] for r in rows(second)} == {"exists"}
    assert task_keys(tasks_file()) == wanted
    first_task = json.loads(tasks_file().read_text().splitlines()[0])
    assert first_task == {
        "key": key("coverage|wo-000493"),
        "subject": "Café Rosenthal: WO0010493 was done with no contract in force; bill it or offer one",
        "description": "WO0010493 was opened with no contract in force.\n\nAccount: Café Rosenthal\n"
        "Work order: WO0010493\nEvidence:\n"
        "- work_order_id: wo-000493, number: WO0010493, priority: P2, opened_at: 2026-10-07T23:53:00Z\n"
        "Finding: coverage not_covered (low)",
        "due_on": "2026-11-04",
        "priority": "P4",
        "queue": "sales",
        "related": {"account_id": "ACC-011", "asset_id": None, "work_order_id": "wo-000493"},
        "rule": "coverage",
    }


def test_the_table_report_for_people(run: Callable[..., Result], audit_jsonl: str) -> None:
    one = audit_jsonl.splitlines()[0] + "\n"
    result = run("--profile", "demo", "push", input=one)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Follow-up tasks"
    assert lines[1].split() == ["outcome", "queue", "priority", "due", "on", "task", "key", "platform", "id"]
    assert lines[3] == (
        " created   sales   P4         2026-11-04   Café Rosenthal: WO0010493 was done with no contract in force; "
        f"bill it or offer one   {key('coverage|wo-000493')}   tasks.jsonl:1"
    )
    assert result.stderr == "1 created, 0 exists, 0 failed of 1 task from stdin\n"


def test_a_repeats_json_document_uses_its_own_as_of(run: Callable[..., Result], tmp_path: Path) -> None:
    document = tmp_path / "repeats.json"
    made = run("--profile", "demo", "repeats", "--format", "json", "--output", str(document))
    assert made.exit_code == 0
    findings = json.loads(document.read_text())["findings"]
    # A later --as-of does not move the keys: the document's as_of (2026-10-30, Q4) does.
    result = run("--profile", "demo", "--as-of", "2027-02-01", "push", str(document), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["as_of"], report["dry_run"]) == (AS_OF, False)
    assert report["summary"] == {"created": 47, "exists": 0, "failed": 0, "skipped": 0, "planned": 0}
    by_key = {t["key"]: t for t in report["tasks"]}
    model = next(f for f in findings if f["rule"] == "model_defect_suspect")
    account = next(f for f in findings if f["rule"] == "repeat_account")
    cluster = next(f for f in findings if f["rule"] == "repeat_failure")
    callback = next(f for f in findings if f["rule"] == "callback")
    for material, queue in [
        (f"model_defect_suspect|{model['subject']['id']}|2026-Q4", "engineering"),
        (f"repeat_account|{account['subject']['id']}|2026-Q4", "service_manager"),
        (
            f"repeat_failure|{cluster['subject']['id']}|{cluster['evidence'][0]['work_order_id']}",
            "service_manager",
        ),
        (f"callback|{callback['work_order_id']}", "service_manager"),
    ]:
        assert by_key[key(material)]["task"]["queue"] == queue
        assert by_key[key(material)]["outcome"] == "created"
    assert len(task_keys(tasks_file())) == len(findings) == 47


def test_dry_run_marks_existing_keys_and_writes_nothing(run: Callable[..., Result], audit_jsonl: str) -> None:
    lines = audit_jsonl.splitlines(keepends=True)
    assert run("--profile", "demo", "push", "-", input="".join(lines[:5])).exit_code == 0
    before = tasks_file().read_bytes()
    result = run("--profile", "demo", "push", "-", "--dry-run", "--format", "jsonl", input=audit_jsonl)
    assert (result.exit_code, result.stderr) == (
        0,
        "28 planned, 5 exists of 33 tasks from stdin (dry run: nothing written)\n",
    )
    outcomes = [r["outcome"] for r in rows(result)]
    assert outcomes == ["exists"] * 5 + ["planned"] * 28
    assert tasks_file().read_bytes() == before


def test_a_switched_off_rule_is_reported_as_skipped(
    run: Callable[..., Result], audit_jsonl: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[rules.pm_due_on_site]\nenabled = false\n")
    result = run(
        "--profile", "demo", "push", "-", "--rules", str(rules), "--format", "json", input=audit_jsonl
    )
    assert result.exit_code == 0
    summary = json.loads(result.stdout)["summary"]
    assert (summary["created"], summary["skipped"]) == (25, 8)
    skipped = [t for t in json.loads(result.stdout)["tasks"] if t["outcome"] == "skipped"]
    assert {t["task"]["rule"] for t in skipped} == {"pm_due_on_site"}
    assert not set(t["key"] for t in skipped) & set(task_keys(tasks_file()))


# -- failures -------------------------------------------------------------------------------------------


def test_exit_4_when_some_tasks_fail_after_trying_all_others(
    run: Callable[..., Result], audit_jsonl: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = FilesConnector.push_tasks
    batches: list[int] = []

    def flaky(self: FilesConnector, tasks: Any) -> list[PushResult]:
        tasks = list(tasks)
        batches.append(len(tasks))
        if len(batches) == 2:
            raise PlatformError("POST /tasks: HTTP 503 Service Unavailable")
        results = real(self, [t for t in tasks if not t.subject.startswith("Renewal")])
        failed = [PushResult(t.key, "failed", error="FIELD_INTEGRITY_EXCEPTION") for t in tasks
                  if t.subject.startswith("Renewal")]  # fmt: skip
        return results + failed

    monkeypatch.setattr(FilesConnector, "push_tasks", flaky)
    monkeypatch.setattr(push_module, "BATCH", 10)
    result = run("--profile", "demo", "push", "-", "--format", "jsonl", input=audit_jsonl)
    assert result.exit_code == 4
    assert batches == [10, 10, 10, 3]
    report = rows(result)
    failed = [r for r in report if r["outcome"] == "failed"]
    assert [r["error"] for r in report[10:20]] == ["POST /tasks: HTTP 503 Service Unavailable"] * 10
    renewals = [r for r in report if r["task"]["subject"].startswith("Renewal")]
    assert len(renewals) == 3 and all(r["outcome"] == "failed" for r in renewals)
    assert (
        result.stderr
        == f"{33 - len(failed)} created, 0 exists, {len(failed)} failed of 33 tasks from stdin\n"
    )
    assert len(task_keys(tasks_file())) == 33 - len(failed)


def test_a_malformed_line_exits_2_naming_it_and_pushes_nothing(
    run: Callable[..., Result], audit_jsonl: str
) -> None:
    lines = audit_jsonl.splitlines(keepends=True)
    broken = "".join(lines[:2]) + lines[2][:40] + "\n" + "".join(lines[3:])
    result = run("--profile", "demo", "push", "-", input=broken)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("fsmkit: error: stdin: line 3: not valid JSON (")
    assert len(result.stderr.splitlines()) == 1
    assert not tasks_file().exists()
    bad_status = "".join(lines[:1]) + lines[1].replace('"status":"breached"', '"status":"late"')
    result = run("--profile", "demo", "push", "-", input=bad_status)
    assert result.exit_code == 2
    assert result.stderr.startswith("fsmkit: error: stdin: line 2: field status: 'late' is not one of")
    assert not tasks_file().exists()


def test_a_bad_finding_in_a_document_names_its_index(run: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "findings.json"
    path.write_text(json.dumps({"as_of": AS_OF, "findings": [{"rule": "callback"}]}, indent=2)[:40])
    result = run("--profile", "demo", "push", str(path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"fsmkit: error: {path}: not a valid findings document (unexpected end of data: line 3 column 4 "
        "(char 40))\n",
    )
    path.write_text(json.dumps({"as_of": AS_OF, "findings": [{"rule": "callback", "status": "flagged"}]}))
    result = run("--profile", "demo", "push", str(path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"fsmkit: error: {path}: findings[0]: 'subject' is missing\n",
    )


# -- exactly once, end to end, with real processes -------------------------------------------------------

# Runs the real CLI in a child process that SIGKILLs itself right after its Nth fsync: the files
# connector fsyncs each task line, so the child dies with exactly N tasks written, mid-push.
KILL_AFTER_FSYNCS = """
import os, signal, sys
from fsmkit.cli import main
real_fsync, count = os.fsync, [0]
def fsync(fd):
    real_fsync(fd)
    count[0] += 1
    if count[0] == int(os.environ["KILL_AFTER_FSYNCS"]):
        os.kill(os.getpid(), signal.SIGKILL)
os.fsync = fsync
sys.argv[0] = "fsmkit"
main()
"""


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` until it holds (never a sleep standing in for an event); fail after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_files_a_push_killed_half_way_then_run_again_creates_each_task_once(
    audit_jsonl: str, tmp_path: Path
) -> None:
    findings = tmp_path / "findings.jsonl"
    findings.write_text(audit_jsonl)
    wanted = expected_keys(audit_jsonl)
    env = {**os.environ, "KILL_AFTER_FSYNCS": "7"}
    killed = subprocess.run([sys.executable, "-c", KILL_AFTER_FSYNCS, "--profile", "demo", "push", str(findings)],
                            env=env, capture_output=True, timeout=TIMEOUT)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert task_keys(tasks_file()) == wanted[:7]
    with tasks_file().open("ab") as handle:  # and a line torn as by a kill in the middle of a write
        handle.write(json.dumps({"key": wanted[7], "subject": "half"}).encode()[:30])
    again = subprocess.run([FSMKIT, "--profile", "demo", "push", str(findings), "--format", "jsonl"],
                           capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert again.stderr == f"26 created, 7 exists, 0 failed of 33 tasks from {findings}\n"
    assert task_keys(tasks_file()) == wanted
    assert Counter(task_keys(tasks_file())).most_common(1)[0][1] == 1


# The same, but at its Nth fsync the child reports (a marker file) and waits until the test writes to a FIFO.
HOLD_AFTER_FSYNCS = """
import os, sys
from fsmkit.cli import main
real_fsync, count = os.fsync, [0]
def fsync(fd):
    real_fsync(fd)
    count[0] += 1
    if count[0] == int(os.environ["HOLD_AFTER_FSYNCS"]):
        open(os.environ["HOLD_MARKER"], "w").close()
        with open(os.environ["HOLD_FIFO"]) as gate:
            gate.read()
os.fsync = fsync
sys.argv[0] = "fsmkit"
main()
"""


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks to see a waiting push")
def test_files_two_pushes_at_once_create_each_task_once(audit_jsonl: str, tmp_path: Path) -> None:
    findings = tmp_path / "findings.jsonl"
    findings.write_text(audit_jsonl)
    marker, gate = tmp_path / "held", tmp_path / "gate"
    os.mkfifo(gate)
    env = {**os.environ, "HOLD_AFTER_FSYNCS": "4", "HOLD_MARKER": str(marker), "HOLD_FIFO": str(gate)}
    command = ["--profile", "demo", "push", str(findings)]
    first = subprocess.Popen([sys.executable, "-c", HOLD_AFTER_FSYNCS, *command], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    second = None
    try:
        wait_for(marker.exists, "the first push to hold after its 4th task")
        second = subprocess.Popen(
            [FSMKIT, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for(lambda: second.pid in lock_waiters(push_module.lock_path("demo")), "the second push to wait")
        with open(gate, "w") as opening:
            opening.write("go")
        _, err1 = first.communicate(timeout=TIMEOUT)
        _, err2 = second.communicate(timeout=TIMEOUT)
    finally:
        for process in (first, second):
            if process is not None:
                process.kill()
    assert (first.returncode, err1) == (0, f"33 created, 0 exists, 0 failed of 33 tasks from {findings}\n")
    assert (second.returncode, err2) == (
        0,
        f"waiting for another push of profile 'demo' to finish (lock {push_module.lock_path('demo')})\n"
        f"0 created, 33 exists, 0 failed of 33 tasks from {findings}\n",
    )
    assert task_keys(tasks_file()) == expected_keys(audit_jsonl)


# -- ServiceNow: the emulator holds the Nth write -----------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[ServiceNowEmulator]:
    with ServiceNowEmulator(convert(load_folder(DATA_DIR))) as running:
        yield running


@pytest.fixture
def sn_profile(
    emulator: ServiceNowEmulator, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A `sn` profile on the emulator serving the demo business (basic auth)."""
    promises = tmp_path / "promises.json"
    promises.write_text(json.dumps(promises_file(load_folder(DATA_DIR))))
    monkeypatch.setenv("SN_PASSWORD", PASSWORD)
    values = {"connector": "servicenow", "instance_url": emulator.url, "username": USERNAME,
              "password_env": "SN_PASSWORD", "promises_file": str(promises), "as_of": AS_OF}  # fmt: skip
    lines = ["[profiles.sn]", *(f"{k} = {json.dumps(v)}" for k, v in values.items())]
    for kind, entry in MAPPING.items():
        lines.append(f"[profiles.sn.mapping.{kind}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in entry.items() if k != "fields"]
        lines.append(f"[profiles.sn.mapping.{kind}.fields]")
        lines += [f'"{k}" = {toml_value(v)}' for k, v in entry.get("fields", {}).items()]
    config_file.write_text("\n".join(lines) + "\n")
    return "sn"


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return "true" if value is True else json.dumps(value)


def platform_keys(emulator: ServiceNowEmulator) -> list[str]:
    with emulator._lock:
        return [row["correlation_id"] for row in emulator.tables.get(TASK_TABLE, [])]


def start_push(profile: str, findings: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([FSMKIT, "--profile", profile, "push", str(findings), "--format", "jsonl"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_servicenow_a_push_killed_at_a_held_write_then_run_again_creates_each_task_once(
    emulator: ServiceNowEmulator, sn_profile: str, audit_jsonl: str, tmp_path: Path
) -> None:
    findings = tmp_path / "findings.jsonl"
    findings.write_text(audit_jsonl)
    wanted = expected_keys(audit_jsonl)
    emulator.hold_write(6)
    child = start_push(sn_profile, findings)
    try:
        assert emulator.held.wait(TIMEOUT), "the push never reached its 6th write"
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=TIMEOUT)
    finally:
        child.kill()
    assert child.returncode == -signal.SIGKILL
    emulator.release()  # the platform still applies the write whose client died: a lost reply
    wait_for(lambda: len(platform_keys(emulator)) == 6, "the held write to be applied")
    again = start_push(sn_profile, findings)
    out, err = again.communicate(timeout=TIMEOUT)
    assert again.returncode == 0, err
    assert err == f"27 created, 6 exists, 0 failed of 33 tasks from {findings}\n"
    assert sorted(platform_keys(emulator)) == sorted(wanted)
    assert [json.loads(line)["outcome"] for line in out.splitlines()] == ["exists"] * 6 + ["created"] * 27


def lock_waiters(path: Path) -> set[int]:
    """Pids waiting for a flock on `path` (Linux /proc/locks marks a blocked request with ->)."""
    inode = path.stat().st_ino
    waiting = set()
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts and parts[parts.index("->") + 1] == "FLOCK":
            pid, device = parts[parts.index("->") + 4], parts[parts.index("->") + 5]
            if int(device.rsplit(":", 1)[1]) == inode:
                waiting.add(int(pid))
    return waiting


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks to see a waiting push")
def test_servicenow_two_pushes_at_once_create_each_task_once(
    emulator: ServiceNowEmulator, sn_profile: str, audit_jsonl: str, tmp_path: Path
) -> None:
    findings = tmp_path / "findings.jsonl"
    findings.write_text(audit_jsonl)
    wanted = expected_keys(audit_jsonl)
    emulator.hold_write(3)  # the barrier: the first push waits at its 3rd write...
    first = start_push(sn_profile, findings)
    second = None
    try:
        assert emulator.held.wait(TIMEOUT), "the first push never reached its 3rd write"
        second = start_push(sn_profile, findings)  # ...while the second starts and must wait for the lock
        wait_for(
            lambda: second.pid in lock_waiters(push_module.lock_path(sn_profile)), "the second push to wait"
        )
        emulator.release()
        out1, err1 = first.communicate(timeout=TIMEOUT)
        out2, err2 = second.communicate(timeout=TIMEOUT)
    finally:
        emulator.release()
        for process in (first, second):
            if process is not None:
                process.kill()
    assert (first.returncode, err1) == (0, f"33 created, 0 exists, 0 failed of 33 tasks from {findings}\n")
    lock = push_module.lock_path(sn_profile)
    assert (second.returncode, err2) == (
        0,
        f"waiting for another push of profile 'sn' to finish (lock {lock})\n"
        f"0 created, 33 exists, 0 failed of 33 tasks from {findings}\n",
    )
    assert sorted(platform_keys(emulator)) == sorted(wanted)
    created = {r["key"]: r["platform_id"] for r in map(json.loads, out1.splitlines())}
    assert {r["key"]: r["platform_id"] for r in map(json.loads, out2.splitlines())} == created


# -- Salesforce: a create on a Unique external-id field ------------------------------------------------------

# The real CLI with batches of 10 tasks (instead of 200), so that one push makes several collection writes.
SMALL_BATCHES = """
import sys
import fsmkit.commands.push
from fsmkit.cli import main
fsmkit.commands.push.BATCH = 10
sys.argv[0] = "fsmkit"
main()
"""


@pytest.fixture
def org() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator(convert_sf(load_folder(DATA_DIR)), custom_fields=SF_FIELDS) as running:
        yield running


@pytest.fixture
def sf_profile(
    org: SalesforceEmulator, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A `sf` profile on the emulator serving the demo business (OAuth client credentials)."""
    promises = tmp_path / "sf-promises.json"
    promises.write_text(json.dumps(sf_promises_file(load_folder(DATA_DIR))))
    monkeypatch.setenv("SF_CLIENT_SECRET", SF_SECRET)
    values = {"connector": "salesforce", "instance_url": org.url, "client_id": SF_KEY, "auth": "oauth",
              "client_secret_env": "SF_CLIENT_SECRET", "promises_file": str(promises), "as_of": AS_OF,
              "pause_statuses": ["On Hold", "Awaiting Parts", "Awaiting Customer"]}  # fmt: skip
    lines = ["[profiles.sf]", *(f"{k} = {json.dumps(v)}" for k, v in values.items())]
    for kind, entry in SF_MAPPING.items():
        lines.append(f"[profiles.sf.mapping.{kind}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in entry.items() if k != "fields"]
        lines.append(f"[profiles.sf.mapping.{kind}.fields]")
        lines += [f'"{k}" = {toml_value(v)}' for k, v in entry.get("fields", {}).items()]
    config_file.write_text("\n".join(lines) + "\n")
    return "sf"


def sf_keys(org: SalesforceEmulator) -> list[str]:
    with org._lock:
        return [row["Fsmkit_Key__c"] for row in org.objects.get("Task", [])]


def test_salesforce_a_push_killed_at_a_held_write_then_run_again_creates_each_task_once(
    org: SalesforceEmulator,
    sf_profile: str,
    audit_jsonl: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    findings = tmp_path / "findings.jsonl"
    findings.write_text(audit_jsonl)
    wanted = expected_keys(audit_jsonl)
    real, calls, held, go = org.create, iter(range(1, 100)), threading.Event(), threading.Event()

    def create(records: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
        if next(calls) == 2:  # the second collection of 10 waits here, its client unanswered
            held.set()
            go.wait(TIMEOUT)
        return real(records, all_or_none)

    monkeypatch.setattr(org, "create", create)
    child = subprocess.Popen([sys.executable, "-c", SMALL_BATCHES, "--profile", sf_profile, "push", str(findings)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert held.wait(TIMEOUT), "the push never reached its second collection write"
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=TIMEOUT)
    finally:
        child.kill()
        go.set()  # the platform still applies the write whose client died: a lost reply
    assert child.returncode == -signal.SIGKILL
    wait_for(lambda: len(sf_keys(org)) == 20, "the held collection to be applied")
    again = start_push(sf_profile, findings)
    out, err = again.communicate(timeout=TIMEOUT)
    assert again.returncode == 0, err
    assert err == f"13 created, 20 exists, 0 failed of 33 tasks from {findings}\n"
    assert sorted(sf_keys(org)) == sorted(wanted)
    assert [json.loads(line)["outcome"] for line in out.splitlines()] == ["exists"] * 20 + ["created"] * 13


def test_salesforce_two_hosts_pushing_at_once_create_each_task_once(
    org: SalesforceEmulator,
    sf_profile: str,
    audit_jsonl: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No shared lock (two hosts): both look the keys up, find none, and write at the same moment; the
    Unique external-id field turns the second create of each key into DUPLICATE_VALUE, reported as exists."""
    findings = tmp_path / "findings.jsonl"
    findings.write_text(audit_jsonl)
    real, barrier = org.create, threading.Barrier(2, timeout=TIMEOUT)

    def create(records: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
        barrier.wait()  # both collections arrive before either is applied
        return real(records, all_or_none)

    monkeypatch.setattr(org, "create", create)
    command = [FSMKIT, "--profile", sf_profile, "push", str(findings), "--format", "jsonl"]
    hosts = [
        subprocess.Popen(
            command,
            env={**os.environ, "XDG_DATA_HOME": str(tmp_path / f"host{i}")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    try:
        replies = [host.communicate(timeout=TIMEOUT) for host in hosts]
    finally:
        for host in hosts:
            host.kill()
    assert [host.returncode for host in hosts] == [0, 0], replies
    assert sorted(err for _, err in replies) == [
        f"0 created, 33 exists, 0 failed of 33 tasks from {findings}\n",
        f"33 created, 0 exists, 0 failed of 33 tasks from {findings}\n",
    ]
    assert sorted(sf_keys(org)) == sorted(expected_keys(audit_jsonl))
