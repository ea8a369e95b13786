"""The service registry: one `ServiceSpec` per service, its implementation imported only when started.

Importing this module is cheap on purpose: the CLI reads the registry (names, ports, profiles) on every call,
while only the daemon pays for importing a service's implementation.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from sandbox.core.config import Settings

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


@runtime_checkable
class Service(Protocol):
    """What the daemon needs from a running service."""

    name: str
    app: ASGIApp

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def reset(self) -> None: ...

    def health(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    summary: str
    factory: str  # "module.path:callable", called with Settings, returns a Service
    profiles: tuple[str, ...] = ("all",)

    def create(self, settings: Settings) -> Service:
        module_name, _, attr = self.factory.partition(":")
        module = importlib.import_module(module_name)
        service: Service = getattr(module, attr)(settings)
        return service


REGISTRY: dict[str, ServiceSpec] = {}


def register(spec: ServiceSpec) -> ServiceSpec:
    if spec.name in REGISTRY:
        raise ValueError(f"service {spec.name!r} registered twice")
    REGISTRY[spec.name] = spec
    return spec


register(
    ServiceSpec(
        name="aws",
        summary="AWS gateway: own providers, moto for every other API",
        factory="sandbox.services.aws.service:create",
        profiles=("all", "aws"),
    )
)

PROFILES: tuple[str, ...] = ("all", "aws")


def resolve(names: tuple[str, ...] | list[str], profile: str | None) -> list[ServiceSpec]:
    """Turn `sandbox up [SERVICES…] [--profile P]` into specs; unknown names raise KeyError."""
    if names:
        unknown = [n for n in names if n not in REGISTRY]
        if unknown:
            raise KeyError(", ".join(unknown))
        return [REGISTRY[n] for n in dict.fromkeys(names)]
    wanted = profile or "all"
    return [spec for spec in REGISTRY.values() if wanted in spec.profiles]
