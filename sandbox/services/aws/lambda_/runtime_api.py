"""Our implementation of the Lambda Runtime API, one endpoint per worker.

A worker's runtime client (awslambdaric, a `bootstrap`, our Node.js loop) long-polls `next`, runs the handler
and posts `response` or `error`; a failed init posts `init/error`. Each worker gets its own loopback port,
because AWS_LAMBDA_RUNTIME_API can only name a host and port.

The protocol is four small routes on a keep-alive connection from one client, so the server is a plain
asyncio protocol over httptools' parser rather than a full ASGI server per worker (which would also wake
up ten times a second per environment, warm or not). Two traps from FACTS.md are handled here: `next`
carries `Content-Type: application/json` (awslambdaric hangs otherwise), and every reply is written in one
send on a TCP_NODELAY socket (replies in several small sends stall ~40 ms on Nagle and delayed ACKs).

The CPU time of an invocation is sampled where Lambda's own clock runs: from the moment `next` hands the
event over to the moment the response (or error) arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httptools

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
    cpu_start_ns: int | None = None


@dataclass
class Outcome:
    ok: bool
    body: bytes
    error_type: str | None = None
    cpu_end_ns: int | None = None


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
        self.cpu_probe: Callable[[], int] | None = None  # the worker's CPU time in ns, once it runs
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self.port = 0

    async def start(self) -> None:
        sock = bind("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), sock=sock)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for connection in list(self._connections):
                connection.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _cpu(self) -> int | None:
        return self.cpu_probe() if self.cpu_probe is not None else None

    async def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if method == "GET" and path == f"{PREFIX}/invocation/next":
            return await self._next()
        if method == "POST" and path.startswith(f"{PREFIX}/invocation/"):
            request_id, _, action = path[len(f"{PREFIX}/invocation/") :].partition("/")
            current = self.current
            if current is None or current.request_id != request_id:
                return _json(
                    400, {"errorMessage": f"unknown request id {request_id}", "errorType": "InvalidRequestID"}
                )
            if action not in ("response", "error"):
                return _json(404, {"errorMessage": f"no route {method} {path}"})
            outcome = Outcome(
                ok=action == "response",
                body=body,
                error_type=headers.get("lambda-runtime-function-error-type") if action == "error" else None,
                cpu_end_ns=self._cpu(),
            )
            self.current = None
            if not current.future.done():
                current.future.set_result(outcome)
            return _json(202, {"status": "OK"})
        if method == "POST" and path == f"{PREFIX}/init/error":
            self.init_error = InitFailed(body, headers.get("lambda-runtime-function-error-type"))
            self.init_failed.set()
            return _json(202, {"status": "OK"})
        return _json(404, {"errorMessage": f"no route {method} {path}"})

    async def _next(self) -> tuple[int, list[tuple[str, str]], bytes]:
        if not self.ready.is_set():
            self.ready_at = time.monotonic()
            self.ready.set()
        invocation = await self.queue.get()
        invocation.started = time.monotonic()
        invocation.cpu_start_ns = self._cpu()
        self.current = invocation
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", invocation.invoked_arn),
            (
                "Lambda-Runtime-Trace-Id",
                f"Root=1-{int(time.time()):08x}-{invocation.request_id.replace('-', '')[:24]}",
            ),
        ]
        if invocation.client_context:
            headers.append(("Lambda-Runtime-Client-Context", invocation.client_context))
        if invocation.identity:
            headers.append(("Lambda-Runtime-Cognito-Identity", invocation.identity))
        return 200, headers, invocation.payload


def _json(status: int, value: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(value).encode()


class _Connection(asyncio.Protocol):
    """One keep-alive connection from a runtime client; requests are answered in order."""

    def __init__(self, api: RuntimeApi) -> None:
        self.api = api
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.tasks: set[asyncio.Task[None]] = set()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.api._connections.add(self)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._write(400, [("Content-Type", "text/plain")], b"bad request", keep_alive=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self.api._connections.discard(self)
        for task in self.tasks:
            task.cancel()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url, self.headers, self.body = b"", {}, []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        method = self.parser.get_method().decode()
        path = httptools.parse_url(self.url).path.decode()
        keep_alive = self.parser.should_keep_alive()
        task = asyncio.ensure_future(
            self._respond(method, path, self.headers, b"".join(self.body), keep_alive)
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _respond(
        self, method: str, path: str, headers: dict[str, str], body: bytes, keep_alive: bool
    ) -> None:
        status, reply_headers, reply = await self.api.handle(method, path, headers, body)
        self._write(status, reply_headers, reply, keep_alive)

    def _write(self, status: int, headers: list[tuple[str, str]], body: bytes, keep_alive: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if not keep_alive:
            lines.append("Connection: close")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        if not keep_alive:
            self.transport.close()
