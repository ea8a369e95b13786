from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sandbox.core.config import Settings
from sandbox.core.registry import ServiceSpec


@dataclass
class ServiceStatus:
    name: str
    url: str
    status: str  # running | starting | unreachable
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Status:
    state: str  # running | stopped | crashed
    engine: str | None = None
    pid: int | None = None
    started_at: float | None = None
    version: str | None = None
    services: list[ServiceStatus] = field(default_factory=list)
    log_tail: str = ""

    @property
    def healthy(self) -> bool:
        return self.state == "running" and all(s.status == "running" for s in self.services)


@dataclass
class UpResult:
    already_running: bool
    seconds: float
    status: Status


@dataclass
class DownResult:
    was_running: bool
    stopped_pids: list[int]
    killed_pids: list[int]


class Engine(Protocol):
    name: str

    def up(self, settings: Settings, specs: list[ServiceSpec], *, timeout: float = 30.0) -> UpResult: ...

    def down(self, settings: Settings) -> DownResult: ...

    def status(self, settings: Settings) -> Status: ...
