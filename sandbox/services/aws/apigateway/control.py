"""The API Gateway control-plane operations moto cannot answer truthfully on its own. Every other
`apigateway` operation falls through to moto untouched.

- GetUsage reports the requests our data plane really counted:
  GET /usageplans/{usagePlanId}/usage?startDate=YYYY-MM-DD&endDate=YYYY-MM-DD[&keyId=…]
  -> {"usagePlanId", "startDate", "endDate", "values": {keyId: [[used, remaining], … one pair per day]}}
  (on the wire the map is "values"; boto3 and the aws CLI show it as "items").
- CreateDeployment is answered by moto; we then snapshot the API, so a stage serves what was deployed
  until the next deployment, as on AWS (moto itself keeps only the live definition).
- CreateAuthorizer is answered by moto, which forgets identityValidationExpression; we put it back.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sandbox.services.aws.apigateway.state import shared
from sandbox.services.aws.bridge import apigateway as bridge
from sandbox.services.aws.passthrough import MotoResponse, call_moto, read_body, send_response
from sandbox.services.aws.routing import Target, identify

if TYPE_CHECKING:
    from sandbox.services.aws.context import AwsContext

log = logging.getLogger("sandbox.aws")

_USAGE = re.compile(r"^/usageplans/(?P<plan>[^/]+)/usage/?$")
_AUTHORIZERS = re.compile(r"^/restapis/(?P<api>[^/]+)/authorizers/?$")
_DEPLOYMENTS = re.compile(r"^/restapis/(?P<api>[^/]+)/deployments/?$")


class UsageError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ControlPlaneProvider:
    def __init__(self, ctx: AwsContext) -> None:
        self.ctx = ctx
        self.state = shared(ctx)

    def claims(self, target: Target, method: str, path: str) -> bool:
        if target.service != "apigateway":
            return False
        if method == "POST":
            return bool(_AUTHORIZERS.match(path) or _DEPLOYMENTS.match(path))
        return method == "GET" and _USAGE.match(path) is not None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        region = _region(scope) or self.ctx.settings.region
        path = scope["path"]
        if scope["method"] == "GET":
            await self._get_usage(scope, send, region)
            return
        body = await read_body(receive)
        response = await call_moto(self.ctx.fallback, scope, body)
        created = _created(response)
        authorizer, deployment = _AUTHORIZERS.match(path), _DEPLOYMENTS.match(path)
        if created is not None and authorizer is not None:
            response = self._after_create_authorizer(region, authorizer["api"], body, created, response)
        elif created is not None and deployment is not None:
            snapshot = bridge.find_api(self.ctx.account_id, deployment["api"], region)
            if snapshot is not None:
                self.state.deployments.put(snapshot, str(created["id"]))
        await send_response(send, response)

    def _after_create_authorizer(
        self, region: str, api_id: str, body: bytes, created: dict[str, Any], response: MotoResponse
    ) -> MotoResponse:
        try:
            expression = json.loads(body or b"{}").get("identityValidationExpression")
        except (ValueError, AttributeError):
            return response
        if not expression:
            return response
        bridge.set_identity_validation_expression(
            self.ctx.account_id, region, api_id, str(created["id"]), str(expression)
        )
        return response.with_json({**created, "identityValidationExpression": expression})

    async def _get_usage(self, scope: Any, send: Any, region: str) -> None:
        match = _USAGE.match(scope["path"])
        plan_id = match["plan"] if match else ""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
        try:
            status, body = 200, self.get_usage(region, plan_id, query)
        except UsageError as exc:
            status, body = exc.status, {"message": exc.message}
            headers.append((b"x-amzn-ErrorType", exc.code.encode()))
        payload = json.dumps(body).encode()
        headers.append((b"content-length", str(len(payload)).encode()))
        await send_response(send, MotoResponse(status, headers, payload))
        log.info("apigateway GetUsage %s %s -> %d", region, plan_id, status)

    def get_usage(self, region: str, plan_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
        account = self.ctx.account_id
        plan = bridge.get_usage_plan(account, region, plan_id)
        if plan is None:
            raise UsageError(404, "NotFoundException", "Invalid Usage Plan ID specified")
        start_text, end_text = _one(query, "startDate"), _one(query, "endDate")
        if not start_text or not end_text:
            raise UsageError(400, "BadRequestException", "Both startDate and endDate must be specified")
        start, end = _date(start_text), _date(end_text)
        if end < start:
            raise UsageError(400, "BadRequestException", "The endDate must not be before the startDate")
        if (end - start).days > 366:
            raise UsageError(400, "BadRequestException", "The date range must not exceed one year")
        plan_keys = bridge.usage_plan_key_ids(account, region, plan.id)
        key_id = _one(query, "keyId")
        wanted = [key_id] if key_id else plan_keys
        items = self.state.usage.usage(plan, [k for k in wanted if k in plan_keys], start, end)
        return {"usagePlanId": plan.id, "startDate": start_text, "endDate": end_text, "values": items}

    def reset(self) -> None:
        self.state.reset()

    async def stop(self) -> None:
        return None


def _created(response: MotoResponse) -> dict[str, Any] | None:
    if response.status not in (200, 201):
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("id") else None


def _region(scope: Any) -> str | None:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    query = scope.get("query_string", b"").decode("latin-1")
    return identify(scope["method"], scope["path"], query, headers).region


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(400, "BadRequestException", f"Invalid date {text!r}: use yyyy-MM-dd") from None


def create(ctx: AwsContext) -> ControlPlaneProvider:
    return ControlPlaneProvider(ctx)
