"""Finding connectors: every connector, built-in or not, is an entry point in `fsmkit.connectors`.

A third-party package adds one by declaring, in its pyproject.toml:

    [project.entry-points."fsmkit.connectors"]
    mycrm = "fsmkit_mycrm:MyCrmConnector"
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from fsmkit.connectors.base import Connector
from fsmkit.errors import ConfigError

GROUP = "fsmkit.connectors"


@dataclass(frozen=True, slots=True)
class Installed:
    """A connector entry point and the distribution that declares it."""

    name: str
    target: str
    package: str | None
    version: str | None

    @property
    def source(self) -> str:
        return f"{self.package} {self.version}" if self.package else "(unknown package)"


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in sorted(entry_points(group=GROUP), key=lambda ep: ep.name)}


def installed() -> list[Installed]:
    """Every connector entry point, by name, without importing any of them."""
    found = []
    for ep in _entry_points().values():
        dist = ep.dist
        found.append(
            Installed(ep.name, ep.value, dist.name if dist else None, dist.version if dist else None)
        )
    return found


def load(name: str) -> type[Connector]:
    """The connector class registered as `name`.

    An unknown name, a plugin that fails to import, or one that is not a Connector is a ConfigError
    that names the installed connectors or the plugin's package.
    """
    points = _entry_points()
    if name not in points:
        known = ", ".join(points) or "none"
        raise ConfigError(
            f"unknown connector {name!r}; installed connectors: {known} (see `fsmkit connectors`)"
        )
    point = points[name]
    package = point.dist.name if point.dist else point.value
    try:
        cls = point.load()
    except Exception as exc:  # a plugin may fail in any way while importing
        raise ConfigError(f"connector {name!r} from package {package} failed to load: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConfigError(f"connector {name!r} from package {package} is not a fsmkit Connector class")
    return cls
