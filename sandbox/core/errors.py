"""Errors a user can act on. Each carries one plain sentence, the fix, and the exit code the CLI uses."""

from __future__ import annotations


class ExitCode:
    OK = 0
    FAILED = 1  # a lab or command failed
    USAGE = 2  # Click's own code for bad usage
    NOT_RUNNING = 3  # the sandbox is not running, or crashed
    PORT_BUSY = 4
    SCENARIO_INVALID = 5


class SandboxError(Exception):
    exit_code = ExitCode.FAILED

    def __init__(self, message: str, fix: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.detail = detail


class NotRunning(SandboxError):
    exit_code = ExitCode.NOT_RUNNING


class PortBusy(SandboxError):
    exit_code = ExitCode.PORT_BUSY


class StartFailed(SandboxError):
    exit_code = ExitCode.FAILED


class ScenarioInvalid(SandboxError):
    exit_code = ExitCode.SCENARIO_INVALID
