"""The connector contract: what every connector (built-in or plugin) provides.

A connector reads canonical records (fsmkit.model) from a platform and writes follow-up tasks back.
It does I/O and nothing else: no business rules. It is registered under the entry-point group
`fsmkit.connectors` (see registry.py) and built from a profile's settings by `from_settings`.

To write one, subclass `Connector`, declare `settings` (JSON Schema properties of the profile settings
it reads, each with a description and an example), and implement the abstract methods. docs/connectors.md
walks through a complete plugin.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

from fsmkit.model import Account, Asset, Calendar, Contract, Knowledge, Task, WorkOrder

# Settings every profile may carry, whatever its connector (DESIGN.md "Profile settings").
COMMON_SETTINGS: dict[str, dict[str, Any]] = {
    "connector": {
        "type": "string",
        "description": "which connector reads this profile",
        "examples": ["files"],
    },
    "promises_file": {
        "type": "string",
        "description": "a JSON or TOML file of calendars and contract promises the platform does not return",
        "examples": ["~/fsmkit/promises.toml"],
    },
    "default_timezone": {
        "type": "string",
        "description": "IANA time zone for records the platform gives none",
        "examples": ["Europe/Berlin"],
    },
    "as_of": {
        "type": "string",
        "description": "the default --as-of of this profile, to replay a fixed moment (ISO 8601 with offset)",
        "examples": ["2026-10-30T16:00:00Z"],
    },
}


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `fsmkit doctor`: what was checked, whether it passed, and what to do if not.

    `kind` is "input" for problems in the profile or the data (exit 2) and "platform" for problems
    reaching or using the platform (exit 3).
    """

    name: str
    ok: bool
    detail: str
    hint: str | None = None
    kind: Literal["input", "platform"] = "platform"


def fields_check(
    kind: str, table: str, missing: Sequence[str] | None, hint: str, problem: str = "not returned"
) -> Check:
    """The `doctor` line saying whether the platform has every field a kind reads (an input check).

    `missing` lists the platform fields it lacks, or is None when there was nothing to check them
    against (an empty table, or no row matching the kind's filter): that is said, not failed.
    """
    name = f"fields {table}"
    if missing is None:
        detail = f"{kind}: no row to check the mapped fields against (none yet, or none matches the filter)"
        return Check(name, True, detail, kind="input")
    if missing:
        return Check(name, False, f"{kind}: {problem}: {', '.join(missing)}", hint, "input")
    return Check(name, True, f"{kind}: every mapped field is there", kind="input")


@dataclass(frozen=True, slots=True)
class PushResult:
    """What became of one task: created, exists (same key already there) or failed, with the platform's id."""

    key: str
    outcome: Literal["created", "exists", "failed"]
    platform_id: str | None = None
    error: str | None = None


class Connector(ABC):
    """The contract of DESIGN.md "Connectors". Iterators yield canonical records, streamed."""

    #: JSON Schema properties of this connector's own profile settings (beyond COMMON_SETTINGS).
    settings: ClassVar[dict[str, dict[str, Any]]] = {}
    #: Which of `settings` a profile must give.
    required_settings: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Connector:
        """Build the connector from a profile's (already validated) settings. No network."""

    @classmethod
    def settings_schema(cls) -> dict[str, Any]:
        """The JSON Schema of a profile for this connector: common settings plus its own, nothing else."""
        return {
            "type": "object",
            "properties": {**COMMON_SETTINGS, **cls.settings},
            "required": ["connector", *cls.required_settings],
            "additionalProperties": False,
        }

    @abstractmethod
    def check(self) -> list[Check]:
        """For `doctor`: reachability, auth, read access per object, write access for tasks."""

    @abstractmethod
    def accounts(self, ids: Iterable[str] | None = None) -> Iterator[Account]:
        """Accounts, all or those with the given ids."""

    @abstractmethod
    def assets(self, account_ids: Iterable[str] | None = None) -> Iterator[Asset]:
        """Assets, all or those of the given accounts."""

    @abstractmethod
    def calendars(self) -> Iterator[Calendar]:
        """Every business-hours calendar."""

    @abstractmethod
    def contracts(self, account_ids: Iterable[str] | None = None) -> Iterator[Contract]:
        """Contracts with their promises, all or those of the given accounts."""

    @abstractmethod
    def work_orders(
        self,
        since: datetime | None,
        until: datetime | None = None,
        account_ids: Iterable[str] | None = None,
        asset_ids: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> Iterator[WorkOrder]:
        """Work orders opened in [since, until), ordered by (opened_at, id), streamed page by page."""

    @abstractmethod
    def work_order(self, key: str) -> WorkOrder | None:
        """One work order by id or number, or None."""

    def work_order_partitions(self, parts: int) -> list[Any]:
        """Up to `parts` consecutive partitions of the work-order stream, for reading in parallel with
        `work_orders_in`: picklable values, whose streams, concatenated in order, are `work_orders`'.
        An empty list (the default) means the connector reads its work orders in one stream."""
        return []

    def work_orders_in(
        self,
        partition: Any,
        since: datetime | None,
        until: datetime | None = None,
        account_ids: Iterable[str] | None = None,
    ) -> Iterator[WorkOrder]:
        """The work orders of one partition, as `work_orders` filters them (only connectors that
        return partitions implement this)."""
        raise NotImplementedError(f"{type(self).__name__} does not partition its work orders")

    def field_mapping(self) -> Mapping[str, Any] | None:
        """The merged field mapping this connector reads with (kind -> its table and fields), for
        `doctor --mapping`; None (the default) for a connector that has none."""
        return None

    def knowledge(self, models: Iterable[str] | None = None) -> Iterator[Knowledge]:
        """Known issues and fixes per equipment model; optional, none by default."""
        return iter(())

    @abstractmethod
    def push_task(self, task: Task) -> PushResult:
        """Create the task unless one with the same key exists; never overwrite."""

    def push_tasks(self, tasks: Iterable[Task]) -> list[PushResult]:
        """push_task for a batch; platforms with batch writes override this."""
        return [self.push_task(task) for task in tasks]

    @abstractmethod
    def existing_task_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these task keys already exist on the platform (for `push --dry-run`)."""
