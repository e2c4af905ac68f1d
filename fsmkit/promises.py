"""The promises file (DESIGN.md "Promises file"): calendars and contract promises from a local file.

Platforms rarely return a contract's promises through their API, so a profile may name a JSON or TOML
file holding them. Its calendars join (and, by id, replace) the connector's; each contracts key is matched
against a contract's id, then its number, then its name, and fills in or overrides that contract's
calendar_id and promises. This is core code: every connector gets it the same way, through `overlay`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fsmkit.connectors.base import Connector
from fsmkit.errors import InputError, RecordError
from fsmkit.model import Calendar, Contract, Promise, parse_calendar, parse_promise, validate


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """What a promises file says of one contract."""

    calendar_id: str | None
    promises: list[Promise] | None


@dataclass(frozen=True, slots=True)
class PromisesFile:
    """A parsed promises file."""

    calendars: list[Calendar] = field(default_factory=list)
    contracts: dict[str, ContractTerms] = field(default_factory=dict)

    def terms_for(self, contract: Contract) -> ContractTerms | None:
        """The terms keyed by the contract's id, else its number, else its name."""
        for key in (contract.id, contract.number, contract.name):
            if key is not None and key in self.contracts:
                return self.contracts[key]
        return None

    def apply(self, contract: Contract) -> Contract:
        """The contract with the file's calendar and promises filled in or overriding the platform's."""
        terms = self.terms_for(contract)
        if terms is None:
            return contract
        return replace(
            contract,
            calendar_id=terms.calendar_id or contract.calendar_id,
            promises=contract.promises if terms.promises is None else terms.promises,
        )


def load_promises_file(path: str | Path) -> PromisesFile:
    """Read and validate a promises file (.toml, else JSON); errors name the file and the field."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read the promises file ({exc.strerror}); check promises_file"
        ) from None
    try:
        data: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: {exc}") from None
    try:
        validate("promises", data)
        calendars = []
        for i, calendar in enumerate(data.get("calendars", ())):
            try:
                calendars.append(parse_calendar(calendar))
            except RecordError as exc:
                raise RecordError(exc.message, f"calendars[{i}].{exc.field or ''}".rstrip(".")) from None
        contracts = {key: _terms(key, terms) for key, terms in data.get("contracts", {}).items()}
    except RecordError as exc:
        raise exc.located(str(path)) from None
    return PromisesFile(calendars, contracts)


def _terms(key: str, data: dict[str, Any]) -> ContractTerms:
    promises = data.get("promises")
    if promises is not None:
        promises = [parse_promise(p, f"contracts.{key}.promises[{i}]") for i, p in enumerate(promises)]
    return ContractTerms(data.get("calendar_id"), promises)


class WithPromises:
    """A connector whose calendars and contracts are completed by a promises file; the rest passes through."""

    def __init__(self, connector: Connector, promises: PromisesFile) -> None:
        self._connector = connector
        self._promises = promises

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connector, name)

    def calendars(self) -> Iterator[Calendar]:
        from_file = {c.id: c for c in self._promises.calendars}
        for calendar in self._connector.calendars():
            if calendar.id not in from_file:
                yield calendar
        yield from from_file.values()

    def contracts(self, account_ids: Iterable[str] | None = None) -> Iterator[Contract]:
        for contract in self._connector.contracts(account_ids):
            yield self._promises.apply(contract)


def overlay(connector: Connector, promises_file: str | Path | None) -> Connector:
    """The connector as commands should see it: with the profile's promises file applied, if any."""
    if not promises_file:
        return connector
    return WithPromises(connector, load_promises_file(promises_file))  # type: ignore[return-value]
