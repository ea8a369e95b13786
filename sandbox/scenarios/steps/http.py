"""`http:` steps: one plain HTTP request (invoke URLs, health endpoints, anything on loopback)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from sandbox.scenarios.context import RunContext
from sandbox.scenarios.durations import Duration
from sandbox.scenarios.model import Strict
from sandbox.scenarios.observation import Observation
from sandbox.scenarios.steps import StepKind


class HttpCall(Strict):
    method: str = "GET"
    url: str
    headers: dict[str, str] = {}
    json_: Any = Field(default=None, alias="json")
    body: str | None = None
    timeout: Duration = 30.0


def run(call: HttpCall, ctx: RunContext) -> Observation:
    import requests

    sent: dict[str, Any] = {"method": call.method.upper(), "url": call.url, "headers": call.headers}
    if call.json_ is not None:
        sent["json"] = call.json_
    if call.body is not None:
        sent["body"] = call.body
    try:
        with requests.Session() as session:
            session.trust_env = False  # a user's proxy settings must not capture loopback traffic
            response = session.request(
                call.method.upper(),
                call.url,
                headers=call.headers,
                json=call.json_,
                data=call.body.encode() if call.body is not None else None,
                timeout=call.timeout,
                allow_redirects=False,
            )
    except requests.RequestException as exc:
        return Observation(sent=sent, ok=False, error=type(exc).__name__, message=str(exc))
    text = response.text
    parsed: Any = None
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return Observation(
        sent=sent,
        ok=response.status_code < 400,
        status=response.status_code,
        json=parsed,
        body=text,
        error=_error_code(parsed) if response.status_code >= 400 else None,
        extra={"headers": dict(response.headers)},
    )


def _error_code(body: Any) -> str | None:
    """The error's name in whatever dialect answered: AWS JSON, Elasticsearch, Kubernetes Status."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("__type"), str):
        return body["__type"].rsplit("#", 1)[-1]
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("type"), str):
        return error["type"]
    if body.get("kind") == "Status" and isinstance(body.get("reason"), str):
        return body["reason"]
    if isinstance(body.get("code"), str):
        return body["code"]
    return None


KIND = StepKind(name="http", body=HttpCall, run=run, describe=lambda c: f"{c.method.upper()} {c.url}")
