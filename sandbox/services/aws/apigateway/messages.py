"""The invoke request as the data plane reads it, the answer it builds, and the ASGI plumbing for both."""

from __future__ import annotations

import base64
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass
class ApiRequest:
    method: str
    path: str  # after the stage, percent-decoded, always starting with "/"
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)  # lower-case names, in arrival order
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    host: str = ""
    protocol: str = "HTTP/1.1"
    api_id: str = ""
    stage: str | None = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    extended_request_id: str = field(default_factory=lambda: _extended_id())
    received_at: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key == lowered:
                return value
        return None

    def single_headers(self) -> dict[str, str]:
        """Header name (as API Gateway shows it) -> the first value."""
        out: dict[str, str] = {}
        for key, value in self.headers:
            out.setdefault(display_name(key), value)
        return out

    def multi_headers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.headers:
            out.setdefault(display_name(key), []).append(value)
        return out

    def single_query(self) -> dict[str, str]:
        """API Gateway keeps the last value of a repeated query parameter."""
        return dict(self.query)

    def multi_query(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.query:
            out.setdefault(key, []).append(value)
        return out


def display_name(lower: str) -> str:
    """ASGI servers lower-case header names; show them the way HTTP/1.1 clients send them (Content-Type)."""
    return "-".join(part[:1].upper() + part[1:] for part in lower.split("-"))


def _extended_id() -> str:
    return base64.b64encode(os.urandom(10)).decode()[:15] + "="


@dataclass
class ApiResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        self.headers.append((name, value))


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def request_from_scope(scope: Any, body: bytes, *, api_id: str, stage: str | None, path: str) -> ApiRequest:
    headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", [])]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    client = scope.get("client") or ("127.0.0.1", 0)
    host = next((v for k, v in headers if k == "host"), "")
    return ApiRequest(
        method=scope["method"].upper(),
        path=path or "/",
        query=query,
        headers=headers,
        body=body,
        source_ip=str(client[0]),
        host=host,
        protocol=f"HTTP/{scope.get('http_version', '1.1')}",
        api_id=api_id,
        stage=stage,
    )


async def send_response(send: Any, response: ApiResponse, *, head: bool = False) -> None:
    skip = ("content-length", "transfer-encoding", "connection")
    headers = [
        (k.encode("latin-1"), v.encode("latin-1", "replace"))
        for k, v in response.headers
        if k.lower() not in skip
    ]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})
