"""moto, in process, as the answer to every AWS operation that no provider of ours claims.

moto's own server is a WSGI app that picks a backend per request; we mount it unchanged behind a2wsgi and
configure it only through its documented settings (environment variables), never by patching it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.core.config import Settings

# Backends whose Flask apps are built right after start-up, so the first call of a lab does not pay for it.
PREWARM = ("s3", "dynamodb", "sqs", "sts")


def configure_environment(settings: Settings) -> None:
    """moto reads these at request time; set them before the first request."""
    os.environ["MOTO_ACCOUNT_ID"] = settings.account_id
    # The gateway rewrites virtual-host S3 requests to path style before they reach moto, so moto must not
    # try to read a bucket from the Host header itself (it would see "s3" in s3.localhost.localstack.cloud).
    os.environ["S3_IGNORE_SUBDOMAIN_BUCKETNAME"] = "true"
    os.environ.setdefault("AWS_DEFAULT_REGION", settings.region)
    # moto must never try to reach a Docker daemon: Lambda execution is our own provider's job.
    os.environ.setdefault("MOTO_DOCKER_NETWORK_MODE", "none")


class MotoFallback:
    def __init__(self, settings: Settings) -> None:
        configure_environment(settings)
        from a2wsgi import WSGIMiddleware
        from moto.moto_api._internal.models import moto_api_backend
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        # moto must not execute functions itself (it would look for Docker, or answer with a stub, inside
        # PutObject for S3 notifications); our Lambda runtime does the executing.
        moto_api_backend.set_config({"lambda": {"use_docker": False}})
        self._dispatcher = DomainDispatcherApplication(create_backend_app)
        self._supported: dict[str, bool] = {"s3": True, "dynamodb": True, "dynamodbstreams": True}
        self.app = WSGIMiddleware(self._dispatcher, workers=16)  # type: ignore[arg-type]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def supports(self, service: str) -> bool:
        """Whether moto has a backend for this signing name (answered from its URL index, cached)."""
        known = self._supported.get(service)
        if known is None:
            host = f"{service}.us-east-1.amazonaws.com"
            known = self._supported[service] = self._dispatcher.get_backend_for_host(host) is not None
        return known

    def prewarm(self) -> None:
        for backend in PREWARM:
            with self._dispatcher.lock:
                if backend not in self._dispatcher.app_instances:
                    self._dispatcher.app_instances[backend] = create_app(backend)

    def reset(self) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()


def create_app(backend: str) -> Any:
    from moto.moto_server.werkzeug_app import create_backend_app

    return create_backend_app(backend)  # type: ignore[arg-type]
