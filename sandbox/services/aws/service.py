"""The `aws` service as the daemon sees it: the gateway app plus start, stop, reset and health."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sandbox.core.config import Settings
from sandbox.services.aws.context import AwsContext
from sandbox.services.aws.gateway import Gateway
from sandbox.services.aws.moto_fallback import MotoFallback
from sandbox.services.aws.providers import ProviderRegistry

log = logging.getLogger("sandbox.aws")


class AwsService:
    name = "aws"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.fallback = MotoFallback(settings)
        self.context = AwsContext(settings, self.fallback)
        self.providers = ProviderRegistry(self.context)
        self.gateway = Gateway(self.providers, self.fallback, self.context)
        self.app = self.gateway

    async def start(self) -> None:
        self.gateway.ready = True
        # Build the commonest moto backends after we report healthy: start-up stays fast, first calls too.
        asyncio.get_running_loop().run_in_executor(None, self.fallback.prewarm)

    async def stop(self) -> None:
        self.gateway.ready = False
        await self.providers.stop()
        if self.context.started("lambda_runtime"):
            await self.context.lambda_runtime.stop()

    def reset(self) -> None:
        self.gateway.reset()
        if self.context.started("lambda_runtime"):
            self.context.lambda_runtime.reset()

    def health(self) -> dict[str, Any]:
        return {"status": "running" if self.gateway.ready else "starting", "url": self.settings.url("aws")}


def create(settings: Settings) -> AwsService:
    return AwsService(settings)
