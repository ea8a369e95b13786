"""Our implementation of the Lambda Runtime API, one endpoint per worker.

A worker's runtime client (awslambdaric, a `bootstrap`, our Node.js loop) long-polls `next`, runs the handler
and posts `response` or `error`; a failed init posts `init/error`. The endpoint is served by uvicorn on its
own loopback port, because AWS_LAMBDA_RUNTIME_API can only name a host and port.

Two traps from FACTS.md are handled here: `next` must carry `Content-Type: application/json` (awslambdaric
hangs otherwise), and replies must not stall on Nagle's algorithm (the listening socket is IPPROTO_TCP, so
asyncio sets TCP_NODELAY).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from sandbox.core.asgi import header, read_body, send_json
from sandbox.core.ports import bind

PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    invoked_arn: str
    client_context: str | None = None
    identity: str | None = None
    future: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    started: float = 0.0  # monotonic, when the runtime took it


@dataclass
class Outcome:
    ok: bool
    body: bytes
    error_type: str | None = None


class InitFailed(Exception):
    def __init__(self, body: bytes, error_type: str | None) -> None:
        super().__init__(error_type or "init error")
        self.body = body
        self.error_type = error_type


class RuntimeApi:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Invocation] = asyncio.Queue()
        self.current: Invocation | None = None
        self.ready = asyncio.Event()  # set at the first `next`: init is over
        self.ready_at: float | None = None
        self.init_error: InitFailed | None = None
        self.init_failed = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Future[None] | None = None
        self.port = 0

    async def start(self) -> None:
        sock = bind("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            http="httptools",
            interface="asgi3",
            proxy_headers=False,
            server_header=False,
        )
        self._server = _QuietServer(config)
        self._task = asyncio.ensure_future(self._server.serve(sockets=[sock]))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.0005)
        if self._task.done():
            self._task.result()  # raises what stopped it

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
            if self._task is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._task, 2)
            self._server = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if method == "GET" and path == f"{PREFIX}/invocation/next":
            await self._next(send)
            return
        body = await read_body(receive)
        if method == "POST" and path.startswith(f"{PREFIX}/invocation/"):
            request_id, _, action = path[len(f"{PREFIX}/invocation/") :].partition("/")
            current = self.current
            if current is None or current.request_id != request_id:
                await send_json(
                    send,
                    400,
                    {"errorMessage": f"unknown request id {request_id}", "errorType": "InvalidRequestID"},
                )
                return
            if action == "response":
                outcome = Outcome(ok=True, body=body)
            elif action == "error":
                outcome = Outcome(
                    ok=False, body=body, error_type=header(scope, b"lambda-runtime-function-error-type")
                )
            else:
                await send_json(send, 404, {"errorMessage": "not found"})
                return
            self.current = None
            if not current.future.done():
                current.future.set_result(outcome)
            await send_json(send, 202, {"status": "OK"})
            return
        if method == "POST" and path == f"{PREFIX}/init/error":
            self.init_error = InitFailed(body, header(scope, b"lambda-runtime-function-error-type"))
            self.init_failed.set()
            await send_json(send, 202, {"status": "OK"})
            return
        await send_json(send, 404, {"errorMessage": f"no route {method} {path}"})

    async def _next(self, send: Any) -> None:
        if not self.ready.is_set():
            self.ready_at = time.monotonic()
            self.ready.set()
        invocation = await self.queue.get()
        invocation.started = time.monotonic()
        self.current = invocation
        headers = [
            (b"content-type", b"application/json"),
            (b"lambda-runtime-aws-request-id", invocation.request_id.encode()),
            (b"lambda-runtime-deadline-ms", str(invocation.deadline_ms).encode()),
            (b"lambda-runtime-invoked-function-arn", invocation.invoked_arn.encode()),
            (
                b"lambda-runtime-trace-id",
                f"Root=1-{int(time.time()):08x}-{invocation.request_id[:24]}".encode(),
            ),
            (b"content-length", str(len(invocation.payload)).encode()),
        ]
        if invocation.client_context:
            headers.append((b"lambda-runtime-client-context", invocation.client_context.encode()))
        if invocation.identity:
            headers.append((b"lambda-runtime-cognito-identity", invocation.identity.encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": invocation.payload})


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
