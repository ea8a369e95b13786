"""The few raw-ASGI helpers every service shares (our hot paths skip a framework's request objects)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

Headers = Iterable[tuple[bytes, bytes]]


async def read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def send_bytes(
    send: Any, status: int, body: bytes, headers: Headers = (), content_type: bytes = b"application/json"
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Any, status: int, value: Any, headers: Headers = ()) -> None:
    await send_bytes(send, status, json.dumps(value).encode(), headers)


def header(scope: Any, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None
