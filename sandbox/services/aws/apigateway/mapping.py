"""Non-proxy integrations' data mapping: request templates (with passthrough behaviour), request parameter
mappings, the choice of integration response by selectionPattern, response templates and response
parameter mappings."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.services.aws.apigateway import errors
from sandbox.services.aws.apigateway.events import Invocation, request_context
from sandbox.services.aws.apigateway.messages import ApiResponse
from sandbox.services.aws.apigateway.vtl import Input, TemplateError, json_path, render
from sandbox.services.aws.bridge.apigateway import Integration, IntegrationResponse

log = logging.getLogger("sandbox.aws")

DEFAULT_CONTENT_TYPE = "application/json"


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def template_context(inv: Invocation) -> dict[str, Any]:
    """`$context` for a mapping template: requestContext, with the authorizer's variables under `authorizer`."""
    context = request_context(inv)
    context.setdefault("authorizer", {})
    return context


def request_input(inv: Invocation, body: bytes | None = None) -> Input:
    req = inv.request
    return Input(
        body_text=(req.body if body is None else body).decode("utf-8", "replace"),
        path_params=dict(inv.route.path_params),
        query=req.single_query(),
        headers=req.single_headers(),
    )


def request_body(inv: Invocation, integration: Integration) -> bytes:
    """The integration request body: the request template for the Content-Type, else passthrough."""
    content_type = media_type(inv.request.header("content-type")) or DEFAULT_CONTENT_TYPE
    templates = integration.request_templates
    template = templates.get(content_type)
    if template is None:
        behaviour = integration.passthrough_behavior.upper()
        if behaviour == "NEVER" or (behaviour == "WHEN_NO_TEMPLATES" and templates):
            raise errors.UnsupportedMediaType(detail=f"no request template for {content_type}")
        return inv.request.body
    return render_template(template, inv, request_input(inv)).text.encode()


def render_template(template: str, inv: Invocation, input: Input) -> Any:
    try:
        return render(
            template, input=input, context=template_context(inv), stage_variables=inv.stage_variables
        )
    except TemplateError as exc:
        raise errors.ApiConfiguration(detail=f"mapping template failed: {exc}") from None


@dataclass
class IntegrationParams:
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)


_TARGET = re.compile(
    r"^integration\.request\.(?P<where>header|querystring|multivaluequerystring|path)\.(?P<name>.+)$"
)


def request_parameters(inv: Invocation, integration: Integration) -> IntegrationParams:
    out = IntegrationParams()
    for target, source in integration.request_parameters.items():
        match = _TARGET.match(target)
        if match is None:
            continue
        value = _source_value(inv, source)
        if value is None:
            continue
        where, name = match["where"], match["name"]
        if where == "header":
            out.headers[name] = value if isinstance(value, str) else ",".join(value)
        elif where == "path":
            out.path[name] = value if isinstance(value, str) else ",".join(value)
        else:
            out.query[name] = [value] if isinstance(value, str) else list(value)
    return out


_NOT_COMMON = object()


def _common_source(inv: Invocation, source: str) -> Any:
    """What a mapping source means on both sides: a 'literal', a stage variable, or a $context value.
    Returns _NOT_COMMON for the side-specific sources (method.request.*, integration.response.*)."""
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    if source.startswith("stageVariables."):
        return inv.stage_variables.get(source.removeprefix("stageVariables."))
    if source.startswith("context."):
        value = _dotted(template_context(inv), source.removeprefix("context."))
        return None if value is None else str(value)
    return _NOT_COMMON


def _source_value(inv: Invocation, source: str) -> str | list[str] | None:
    req = inv.request
    common = _common_source(inv, source)
    if common is not _NOT_COMMON:
        return common
    prefix = "method.request."
    if not source.startswith(prefix):
        return None
    where, _, name = source.removeprefix(prefix).partition(".")
    if where == "path":
        return inv.route.path_params.get(name)
    if where == "querystring":
        return req.single_query().get(name)
    if where == "multivaluequerystring":
        return req.multi_query().get(name)
    if where == "header":
        return req.header(name)
    if where == "multivalueheader":
        values = [v for k, v in req.headers if k == name.lower()]
        return values or None
    if where == "body":
        text = req.body.decode("utf-8", "replace")
        if not name:
            return text
        try:
            found = json_path(json.loads(text or "{}"), "$." + name)
        except (ValueError, TemplateError):
            return None
        return None if found is None else found if isinstance(found, str) else json.dumps(found)
    return None


def _dotted(data: Mapping[str, Any], path: str) -> Any:
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def select_response(integration: Integration, selector: str | None) -> IntegrationResponse:
    """The integration response whose selectionPattern matches `selector` in full, else the default one.

    `selector` is the Lambda errorMessage (None for a successful function) or the backend's status code.
    """
    if selector is not None:
        for candidate in integration.responses:
            if candidate.is_default:
                continue
            try:
                if re.fullmatch(candidate.selection_pattern or "", selector):
                    return candidate
            except re.error:
                log.warning("invalid selectionPattern %r ignored", candidate.selection_pattern)
    for candidate in integration.responses:
        if candidate.is_default:
            return candidate
    raise errors.ApiConfiguration(
        detail="No match for output mapping and no default output mapping specified"
    )


_RESPONSE_TARGET = re.compile(r"^method\.response\.(?P<where>header|multivalueheader)\.(?P<name>.+)$")


def method_response(
    inv: Invocation,
    chosen: IntegrationResponse,
    body: bytes,
    backend_headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """The method response: the chosen integration response's template and parameter mappings applied."""
    accept = [media_type(part) for part in (inv.request.header("accept") or "").split(",")]
    templates = chosen.templates
    content_type = next((a for a in accept if a in templates), None)
    if content_type is None:
        content_type = (
            DEFAULT_CONTENT_TYPE if DEFAULT_CONTENT_TYPE in templates else next(iter(templates), None)
        )
    status = int(chosen.status_code)
    headers: list[tuple[str, str]] = []
    if content_type is not None:
        input = Input(
            body_text=body.decode("utf-8", "replace"),
            path_params=dict(inv.route.path_params),
            query=inv.request.single_query(),
            headers=inv.request.single_headers(),
        )
        rendered = render_template(templates[content_type], inv, input)
        body = rendered.text.encode()
        status = rendered.status_override or status
        headers.extend(rendered.header_overrides.items())
    headers.insert(0, ("Content-Type", content_type or DEFAULT_CONTENT_TYPE))
    response = ApiResponse(status=status, headers=headers, body=body)
    for target, source in chosen.parameters.items():
        match = _RESPONSE_TARGET.match(target)
        if match is None:
            continue
        value = _response_source(inv, source, body, backend_headers or {})
        if value is not None:
            response.set_header(match["name"], value)
    return response


def _response_source(inv: Invocation, source: str, body: bytes, backend: Mapping[str, str]) -> str | None:
    common = _common_source(inv, source)
    if common is not _NOT_COMMON:
        return common
    if source.startswith("integration.response.header."):
        name = source.removeprefix("integration.response.header.").lower()
        return next((v for k, v in backend.items() if k.lower() == name), None)
    if source == "integration.response.body":
        return body.decode("utf-8", "replace")
    if source.startswith("integration.response.body."):
        try:
            found = json_path(
                json.loads(body or b"{}"), "$." + source.removeprefix("integration.response.body.")
            )
        except (ValueError, TemplateError):
            return None
        return None if found is None else found if isinstance(found, str) else json.dumps(found)
    return None
