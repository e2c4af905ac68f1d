"""Exit statuses and the error types that carry them.

Every failure fsmkit reports is one of these errors; `fsmkit.cli.main` alone turns them into a
process exit code and one line on stderr. Messages say what went wrong, where, and how to fix it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """The process exit codes of DESIGN.md."""

    OK = 0
    FAIL_ON_MATCHED = 1
    INPUT_ERROR = 2
    PLATFORM_ERROR = 3
    PUSH_INCOMPLETE = 4


class FsmkitError(Exception):
    """Base of every error fsmkit reports to the user; `exit_status` is the process exit code."""

    exit_status: ExitStatus = ExitStatus.INPUT_ERROR


class InputError(FsmkitError):
    """Bad data, a bad config or a bad command line: exit 2."""

    exit_status = ExitStatus.INPUT_ERROR


class ConfigError(InputError):
    """A problem in the config file or a profile's settings."""


class RecordError(InputError):
    """A record that does not fit its schema; `field` is the dotted path of the culprit, if known.

    Parsers raise it without a location; readers add where the record came from with `located`.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def located(self, where: str) -> InputError:
        """The same problem as an InputError that names the file and line (or object and id)."""
        field = f" field {self.field}:" if self.field else ""
        return InputError(f"{where}:{field} {self.message}")


class PlatformError(FsmkitError):
    """The platform failed us (unreachable, auth, an error reply, an unparseable body): exit 3."""

    exit_status = ExitStatus.PLATFORM_ERROR
