"""Our own AWS providers: the services (or single operations) whose behaviour moto does not give us.

A provider is an ASGI app plus `claims(target)`. The gateway asks each provider registered for a target's
service; the first that claims the request answers it, and moto answers everything else. Providers are
declared as "module:factory" strings and built on first use, so a daemon that never sees a Lambda invoke
never imports the Lambda runtime.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any, Protocol

from sandbox.services.aws.routing import Target

if TYPE_CHECKING:
    from sandbox.services.aws.context import AwsContext


class Provider(Protocol):
    def claims(self, target: Target, method: str, path: str) -> bool: ...

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None: ...

    def reset(self) -> None: ...

    async def stop(self) -> None: ...


# service signing name -> factories ("module:callable(AwsContext) -> Provider"), asked in order.
PROVIDERS: dict[str, list[str]] = {
    "lambda": ["sandbox.services.aws.lambda_.provider:create"],
    "s3": ["sandbox.services.aws.s3.provider:create"],
    "execute-api": ["sandbox.services.aws.apigateway.provider:create"],
    "apigateway": ["sandbox.services.aws.apigateway.control:create"],
}


class ProviderRegistry:
    def __init__(self, ctx: AwsContext, declared: dict[str, list[str]] | None = None) -> None:
        self._ctx = ctx
        self._declared = PROVIDERS if declared is None else declared
        self._built: dict[str, list[Provider]] = {}
        self._lock = threading.Lock()

    def for_service(self, service: str) -> list[Provider]:
        built = self._built.get(service)
        if built is not None:
            return built
        with self._lock:
            if service not in self._built:
                self._built[service] = [_build(ref, self._ctx) for ref in self._declared.get(service, [])]
            return self._built[service]

    def find(self, target: Target, method: str, path: str) -> Provider | None:
        for provider in self.for_service(target.service):
            if provider.claims(target, method, path):
                return provider
        return None

    def reset(self) -> None:
        for providers in self._built.values():
            for provider in providers:
                provider.reset()

    async def stop(self) -> None:
        for providers in self._built.values():
            for provider in providers:
                await provider.stop()

    def declared(self) -> dict[str, list[str]]:
        return self._declared


def _build(ref: str, ctx: AwsContext) -> Provider:
    module_name, _, attr = ref.partition(":")
    provider: Provider = getattr(importlib.import_module(module_name), attr)(ctx)
    return provider
