"""Letting moto answer a request a provider has already read, and seeing its answer before the client does.

Providers that add behaviour around a moto operation (S3 notifications, Lambda's dead-letter config) call
`call_moto`, act on the result, then `send_response` it (changed or not).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.core.asgi import read_body

__all__ = ["MotoResponse", "call_moto", "read_body", "send_response"]


@dataclass
class MotoResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def with_json(self, value: Any) -> MotoResponse:
        body = json.dumps(value).encode()
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        return MotoResponse(self.status, [*headers, (b"content-length", str(len(body)).encode())], body)


async def call_moto(app: Any, scope: Any, body: bytes) -> MotoResponse:
    delivered = False
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return MotoResponse(status, headers, b"".join(chunks))


async def send_response(send: Any, response: MotoResponse) -> None:
    await send({"type": "http.response.start", "status": response.status, "headers": response.headers})
    await send({"type": "http.response.body", "body": response.body})
