"""HTTP and HTTP_PROXY integrations: the request goes on to the integration URI with `requests`, in a worker
thread, bounded by the integration timeout.

HTTP_PROXY forwards the method request as it came (headers, query string, body) and hands the backend's
answer back unchanged. HTTP (non-proxy) sends only what the mappings produce, and the backend's status
code picks the integration response.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import requests

from sandbox.services.aws.apigateway import errors, functions
from sandbox.services.aws.apigateway.events import Invocation, forwarded_headers
from sandbox.services.aws.apigateway.mapping import (
    IntegrationParams,
    method_response,
    request_body,
    request_parameters,
    select_response,
)
from sandbox.services.aws.apigateway.messages import ApiResponse
from sandbox.services.aws.bridge.apigateway import Integration

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+?)\+?\}")


@dataclass
class Outgoing:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def target_url(
    uri: str, inv: Invocation, params: IntegrationParams, *, proxy: bool, extra_query: list[tuple[str, str]]
) -> str:
    rendered = functions.with_stage_variables(uri, inv.stage_variables)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = params.path.get(name)
        if value is None and proxy:
            value = inv.route.path_params.get(name)
        if value is None:
            raise errors.ApiConfiguration(detail=f"no mapping for the URI path parameter {{{name}}}")
        return quote(value, safe="/-_.~")

    scheme, netloc, path, query, fragment = urlsplit(_PLACEHOLDER.sub(fill, rendered))
    if scheme not in ("http", "https") or not netloc:
        raise errors.ApiConfiguration(detail=f"invalid HTTP integration URI {uri!r}")
    pairs = parse_qsl(query, keep_blank_values=True) + extra_query
    for name, values in params.query.items():
        pairs = [(k, v) for k, v in pairs if k != name] + [(name, v) for v in values]
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    return urlunsplit((scheme, netloc, path, encoded, fragment))


def _method(integration: Integration, inv: Invocation) -> str:
    method = (integration.http_method or inv.request.method).upper()
    return inv.request.method if method == "ANY" else method


def _send(outgoing: Outgoing, timeout_s: float) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False  # never route a loopback backend through the user's proxy settings
        return session.request(
            outgoing.method,
            outgoing.url,
            headers=outgoing.headers,
            data=outgoing.body or None,
            timeout=timeout_s,
            allow_redirects=False,
        )


async def _call(outgoing: Outgoing, timeout_s: float) -> requests.Response:
    try:
        return await asyncio.wait_for(asyncio.to_thread(_send, outgoing, timeout_s), timeout_s + 1.0)
    except (TimeoutError, requests.Timeout):
        raise errors.IntegrationTimeout(
            detail=f"{outgoing.url} did not answer within {timeout_s:g} s"
        ) from None
    except requests.RequestException as exc:
        raise errors.IntegrationFailure(detail=f"{outgoing.url}: {exc}") from None


def _backend_headers(response: requests.Response) -> list[tuple[str, str]]:
    skip = HOP_BY_HOP | {"content-length", "content-encoding"}
    return [(k, v) for k, v in response.headers.items() if k.lower() not in skip]


async def http_proxy(inv: Invocation, integration: Integration) -> ApiResponse:
    params = request_parameters(inv, integration)
    url = target_url(integration.uri, inv, params, proxy=True, extra_query=list(inv.request.query))
    headers: dict[str, str] = {}
    for key, value in forwarded_headers(inv):
        if key not in HOP_BY_HOP and key != "content-length":
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    headers.update({k.lower(): v for k, v in params.headers.items()})
    outgoing = Outgoing(_method(integration, inv), url, headers, inv.request.body)
    response = await _call(outgoing, functions.timeout_of(integration.timeout_ms))
    return ApiResponse(status=response.status_code, headers=_backend_headers(response), body=response.content)


async def http(inv: Invocation, integration: Integration) -> ApiResponse:
    params = request_parameters(inv, integration)
    url = target_url(integration.uri, inv, params, proxy=False, extra_query=[])
    body = request_body(inv, integration)
    headers = {k.lower(): v for k, v in params.headers.items()}
    content_type = inv.request.header("content-type")
    if body and content_type and "content-type" not in headers:
        headers["content-type"] = content_type
    outgoing = Outgoing(_method(integration, inv), url, headers, body)
    response = await _call(outgoing, functions.timeout_of(integration.timeout_ms))
    chosen = select_response(integration, str(response.status_code))
    backend: Mapping[str, str] = dict(response.headers.items())
    return method_response(inv, chosen, response.content, backend)
