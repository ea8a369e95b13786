"""The execute-api provider: every REST API invoke URL the gateway routes here goes through the same steps
as on API Gateway.

API and stage -> resource and method -> request validation -> authorizer -> API key, usage-plan throttle and
quota -> stage throttle -> integration. Each step answers in API Gateway's words when it stops a request
(see `errors`), and every answer carries `x-amzn-RequestId` and `x-amz-apigw-id`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any

from sandbox.services.aws.apigateway import errors, keys
from sandbox.services.aws.apigateway.authorizers import Authorization
from sandbox.services.aws.apigateway.events import Invocation, request_context
from sandbox.services.aws.apigateway.integrations import integrate
from sandbox.services.aws.apigateway.messages import (
    ApiRequest,
    ApiResponse,
    BodyTooLarge,
    read_body,
    request_from_scope,
    send_response,
)
from sandbox.services.aws.apigateway.routing import find_route
from sandbox.services.aws.apigateway.state import shared
from sandbox.services.aws.bridge import apigateway as bridge
from sandbox.services.aws.routing import Target, identify

if TYPE_CHECKING:
    from sandbox.services.aws.apigateway.functions import LambdaRuntime
    from sandbox.services.aws.context import AwsContext

log = logging.getLogger("sandbox.aws")


class ExecuteApiProvider:
    def __init__(self, ctx: AwsContext) -> None:
        self.ctx = ctx
        self.state = shared(ctx)
        self.authorization = Authorization(self._runtime, self.state.authorizer_cache)

    def _runtime(self) -> LambdaRuntime:
        runtime: LambdaRuntime = self.ctx.lambda_runtime
        return runtime

    def claims(self, target: Target, method: str, path: str) -> bool:
        # Every invoke URL is ours, known API or not: an unknown id gets API Gateway's answer, not moto's.
        return target.service == "execute-api"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = scope.get("query_string", b"").decode("latin-1")
        target = identify(scope["method"], scope["path"], query, headers)
        started = time.perf_counter()
        try:
            body = await read_body(receive)
        except BodyTooLarge:
            body = None
        request = request_from_scope(
            scope, body or b"", api_id=target.api or "", stage=target.stage, path=target.path or "/"
        )
        response, outcome = await self.respond(request, too_large=body is None)
        await send_response(send, response, head=request.method == "HEAD")
        log.info(
            "apigateway %s %s/%s %s %s -> %d %s %.1fms",
            request.request_id,
            request.api_id or "-",
            request.stage or "-",
            request.method,
            request.path,
            response.status,
            outcome,
            (time.perf_counter() - started) * 1000,
        )

    async def respond(self, request: ApiRequest, *, too_large: bool = False) -> tuple[ApiResponse, str]:
        """The answer to one invoke request, and a word for the log line (integration type or error type)."""
        api: bridge.RestApi | None = None
        inv: Invocation | None = None
        try:
            if too_large:
                raise errors.RequestTooLarge(detail="body over 10 MB")
            api = self._api(request)
            inv = self._invocation(request, api)
            await self._admit(inv)
            response = await integrate(self._runtime_or_none(inv), inv)
            outcome = inv.route.method.integration.type if inv.route.method.integration else "-"
        except errors.GatewayError as error:
            response = self._error(error, request, api, inv)
            outcome = f"{error.error_type}{': ' + error.detail if error.detail else ''}"
        except Exception as exc:  # a bug of ours must still get API Gateway's answer, never a dropped socket
            log.exception("apigateway %s failed", request.request_id)
            response = self._error(errors.GatewayError(detail=repr(exc)), request, api, inv)
            outcome = "InternalServerErrorException"
        response.set_header("x-amzn-RequestId", request.request_id)
        response.set_header("x-amz-apigw-id", request.extended_request_id)
        if inv is not None and response.header("x-amzn-ErrorType") is None:
            response.set_header("X-Amzn-Trace-Id", inv.trace_id)
        return response, outcome

    def _api(self, request: ApiRequest) -> bridge.RestApi:
        if not request.api_id:
            raise errors.MissingAuthenticationToken(detail="not an invoke URL")
        api = bridge.find_api(self.ctx.account_id, request.api_id, self.ctx.settings.region)
        if api is None:
            raise errors.UnknownApi(detail=f"no REST API {request.api_id}")
        return api

    def _invocation(self, request: ApiRequest, live: bridge.RestApi) -> Invocation:
        stage = live.stages.get(request.stage or "")
        if stage is None:
            raise errors.MissingAuthenticationToken(detail=f"no stage {request.stage!r} in {live.id}")
        # The stage serves its deployment's snapshot; stages themselves (variables, throttles) are live.
        deployed = self.state.deployments.get(live.account_id, live.id, stage.deployment_id)
        api = live if deployed is None else dataclasses.replace(deployed, stages=live.stages)
        route = find_route(api.resources, request.method, request.path)
        if route is None:
            raise errors.MissingAuthenticationToken(detail=f"no method for {request.method} {request.path}")
        return Invocation(request=request, api=api, route=route, stage_variables=dict(stage.variables))

    async def _admit(self, inv: Invocation) -> None:
        _validate_parameters(inv)
        usage_key = await self.authorization.authorize(inv)
        if inv.route.method.api_key_required:
            keys.enforce_api_key(inv, self.state.usage, usage_key)
        keys.enforce_stage_throttle(inv, self.state.usage)

    def _runtime_or_none(self, inv: Invocation) -> LambdaRuntime | None:
        integration = inv.route.method.integration
        if integration is None or integration.type not in ("AWS", "AWS_PROXY"):
            return None
        return self._runtime()

    def _error(
        self,
        error: errors.GatewayError,
        request: ApiRequest,
        api: bridge.RestApi | None,
        inv: Invocation | None,
    ) -> ApiResponse:
        context: dict[str, Any] = {"requestId": request.request_id, "apiId": request.api_id}
        stage_variables: dict[str, str] = {}
        if inv is not None:
            context = request_context(inv)
            stage_variables = inv.stage_variables
        return errors.error_response(
            error,
            request_id=request.request_id,
            customised=(inv.api if inv is not None else api).gateway_responses if api is not None else None,
            context=context,
            stage_variables=stage_variables,
        )

    def reset(self) -> None:
        self.state.reset()

    async def stop(self) -> None:
        return None


def _validate_parameters(inv: Invocation) -> None:
    method = inv.route.method
    validator = inv.api.validators.get(method.request_validator_id or "")
    if validator is None or not validator.validate_parameters:
        return
    req = inv.request
    missing = []
    for name, required in method.request_parameters.items():
        if not required:
            continue
        where, _, param = name.removeprefix("method.request.").partition(".")
        if where == "header":
            present = req.header(param) is not None
        elif where in ("querystring", "multivaluequerystring"):
            present = any(k == param for k, _ in req.query)
        elif where == "path":
            present = bool(inv.route.path_params.get(param))
        else:
            present = True
        if not present:
            missing.append(param)
    if missing:
        message = f"Missing required request parameters: [{', '.join(missing)}]"
        raise errors.BadRequestParameters(message)


def create(ctx: AwsContext) -> ExecuteApiProvider:
    return ExecuteApiProvider(ctx)
