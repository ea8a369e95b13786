"""The AWS gateway: one ASGI app on :4566 that routes each request to our provider or to moto.

Routing is decided by `routing.identify` from the request line and headers only, so no body is buffered on
the way through. S3 virtual-host requests are rewritten to path style here, which lets moto stay on its
plain path-style code path.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sandbox import __version__
from sandbox.core.asgi import send_json
from sandbox.services.aws.routing import Target, identify

if TYPE_CHECKING:
    from sandbox.services.aws.context import AwsContext
    from sandbox.services.aws.moto_fallback import MotoFallback
    from sandbox.services.aws.providers import ProviderRegistry

log = logging.getLogger("sandbox.aws")

INTERNAL_PREFIXES = ("/_sandbox/", "/_localstack/")


class Gateway:
    def __init__(self, providers: ProviderRegistry, fallback: MotoFallback, context: AwsContext) -> None:
        self.providers = providers
        self.fallback = fallback
        self.context = context
        self.ready = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith(INTERNAL_PREFIXES):
            await self._internal(scope, receive, send)
            return

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        target = identify(scope["method"], path, query, headers)
        started = time.perf_counter()
        status = await self._dispatch(target, scope, receive, send)
        log.info(
            "%s %s %s -> %s %.1fms",
            target.service,
            scope["method"],
            path,
            status,
            (time.perf_counter() - started) * 1000,
        )

    async def _dispatch(self, target: Target, scope: Any, receive: Any, send: Any) -> int:
        status = 0

        async def send_and_record(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        if target.bucket is not None:
            scope = _to_path_style(scope, target.bucket)
        try:
            provider = self.providers.find(target, scope["method"], scope["path"])
            if provider is not None:
                await provider(scope, receive, send_and_record)
                return status
        except Exception:
            # A bug of ours must not take the endpoint down: log it, answer as AWS does for its own faults.
            log.exception("provider for %s failed on %s %s", target.service, scope["method"], scope["path"])
            if status == 0:
                await send_json(
                    send_and_record,
                    500,
                    {
                        "__type": "InternalFailure",
                        "message": "The sandbox failed on this request; see sandbox logs aws",
                    },
                )
            return status
        if target.service == "execute-api":
            await send_json(
                send_and_record, 404, {"message": f"Invalid API identifier specified {target.api}"}
            )
            return status
        if not self.fallback.supports(target.service):
            body = {
                "__type": "InternalFailure",
                "message": f"The API for service '{target.service}' is not implemented by the sandbox",
            }
            await send_json(send_and_record, 501, body)
            return status
        await self.fallback(scope, receive, send_and_record)
        return status

    async def _internal(self, scope: Any, receive: Any, send: Any) -> None:
        path, method = scope["path"].rstrip("/"), scope["method"]
        if path in ("/_sandbox/health", "/_localstack/health") and method in ("GET", "HEAD"):
            if path == "/_sandbox/health":
                body: dict[str, Any] = {
                    "status": "running" if self.ready else "starting",
                    "service": "aws",
                    "version": __version__,
                }
            else:
                body = {"services": self._service_states(), "edition": "community", "version": __version__}
            await send_json(send, 200 if self.ready else 503, body)
        elif path == "/_sandbox/lambda" and method == "GET":
            await send_json(send, 200, self._lambda_state())
        elif path in ("/_sandbox/reset", "/_localstack/state/reset") and method == "POST":
            self.reset()
            await send_json(send, 200, {"reset": True})
        else:
            await send_json(send, 404, {"message": f"no sandbox endpoint {method} {scope['path']}"})

    def _service_states(self) -> dict[str, str]:
        from moto.backends import list_of_moto_modules

        state = "available" if self.ready else "initializing"
        return {name: state for name in sorted(list_of_moto_modules())}

    def _lambda_state(self) -> dict[str, Any]:
        """Execution environments and counters per function: what `sandbox lambda stats` shows."""
        if not self.context.started("lambda_runtime"):
            return {"functions": {}}
        runtime = self.context.lambda_runtime
        functions: dict[str, Any] = {}
        for arn, stats in runtime.stats.items():
            functions[arn] = {**asdict(stats), "idle": 0, "busy": 0, "provisioned": 0}
        for pool in runtime.pools.values():
            entry = functions.setdefault(pool.key[0], {"idle": 0, "busy": 0, "provisioned": 0})
            entry["idle"] += len(pool.idle)
            entry["busy"] += len(pool.busy)
            entry["provisioned"] += sum(1 for w in pool.idle if w.provisioned)
        return {"functions": functions}

    def reset(self) -> None:
        self.providers.reset()
        self.fallback.reset()


def _to_path_style(scope: Any, bucket: str) -> Any:
    path = f"/{bucket}{scope['path']}"
    raw = scope.get("raw_path") or scope["path"].encode()
    return {**scope, "path": path, "raw_path": b"/" + bucket.encode() + raw}


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
