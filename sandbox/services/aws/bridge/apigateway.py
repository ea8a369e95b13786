"""REST API definitions, API keys and usage plans as the execute-api data plane needs them, read from moto's
apigateway backend, plus the signing keys of moto's cognito-idp (for COGNITO_USER_POOLS authorizers).

Every read copies moto's objects into frozen dataclasses, so the data plane never holds a live moto object
while a control-plane call changes it on another thread.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IntegrationResponse:
    status_code: str
    selection_pattern: str | None = None
    templates: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    content_handling: str | None = None

    @property
    def is_default(self) -> bool:
        return not self.selection_pattern


@dataclass(frozen=True)
class Integration:
    type: str  # MOCK, HTTP, HTTP_PROXY, AWS, AWS_PROXY
    uri: str = ""
    http_method: str | None = None
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    timeout_ms: int | None = None
    request_parameters: dict[str, str] = field(default_factory=dict)
    content_handling: str | None = None
    responses: tuple[IntegrationResponse, ...] = ()


@dataclass(frozen=True)
class Method:
    http_method: str
    authorization_type: str = "NONE"
    authorizer_id: str | None = None
    api_key_required: bool = False
    authorization_scopes: tuple[str, ...] = ()
    request_parameters: dict[str, bool] = field(default_factory=dict)
    request_validator_id: str | None = None
    integration: Integration | None = None


@dataclass(frozen=True)
class Resource:
    id: str
    path: str
    methods: dict[str, Method] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    name: str
    deployment_id: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    method_settings: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Authorizer:
    id: str
    name: str
    type: str  # TOKEN, REQUEST, COGNITO_USER_POOLS
    uri: str | None = None
    identity_source: str | None = None
    validation_expression: str | None = None
    ttl_s: int = 300
    provider_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class GatewayResponse:
    type: str
    status_code: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestValidator:
    id: str
    validate_body: bool = False
    validate_parameters: bool = False


@dataclass(frozen=True)
class RestApi:
    id: str
    name: str
    region: str
    account_id: str
    api_key_source: str = "HEADER"
    binary_media_types: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ()
    stages: dict[str, Stage] = field(default_factory=dict)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    validators: dict[str, RequestValidator] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKey:
    id: str
    value: str
    enabled: bool
    name: str | None = None


@dataclass(frozen=True)
class UsagePlan:
    id: str
    name: str | None
    api_stages: tuple[tuple[str, str], ...]  # (apiId, stage)
    rate_limit: float | None = None
    burst_limit: int | None = None
    quota_limit: int | None = None
    quota_period: str | None = None  # DAY, WEEK, MONTH
    quota_offset: int = 0
    # per-method throttles: (apiId, stage, "/path/METHOD") -> (rateLimit, burstLimit)
    method_throttles: dict[tuple[str, str, str], tuple[float, int]] = field(default_factory=dict)

    def covers(self, api_id: str, stage: str) -> bool:
        return (api_id, stage) in self.api_stages


def _backends(account_id: str) -> Any:
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id]


def _backend(account_id: str, region: str) -> Any:
    return _backends(account_id)[region]


def find_api(account_id: str, api_id: str, prefer_region: str) -> RestApi | None:
    """The REST API with this id in whichever region holds it (invoke URLs on localhost name no region)."""
    backends = _backends(account_id)
    # Only regions that already hold state: `in backends` would also say yes to every region moto knows.
    created = set(backends.keys())
    regions = [prefer_region, *(r for r in created if r != prefer_region)]
    for region in regions:
        if region not in created:
            continue
        api = backends[region].apis.get(api_id)
        if api is not None:
            return _rest_api(api, region, account_id)
    return None


def _rest_api(api: Any, region: str, account_id: str) -> RestApi:
    return RestApi(
        id=api.id,
        name=api.name,
        region=region,
        account_id=account_id,
        api_key_source=api.api_key_source or "HEADER",
        binary_media_types=tuple(api.binaryMediaTypes or ()),
        resources=tuple(_resource(r) for r in list(api.resources.values())),
        stages={name: _stage(s) for name, s in list(api.stages.items())},
        authorizers={a.id: _authorizer(a) for a in list(api.authorizers.values())},
        gateway_responses={t: _gateway_response(g) for t, g in list(api.gateway_responses.items())},
        validators={
            v.id: RequestValidator(v.id, bool(v.validate_request_body), bool(v.validate_request_parameters))
            for v in list(api.request_validators.values())
        },
    )


def _resource(resource: Any) -> Resource:
    methods = {name: _method(m) for name, m in list(resource.resource_methods.items())}
    return Resource(id=resource.id, path=resource.get_path(), methods=methods)


def _method(method: Any) -> Method:
    integration = method.method_integration
    scopes = method.authorization_scopes or ()
    return Method(
        http_method=method.http_method,
        authorization_type=method.authorization_type or "NONE",
        authorizer_id=method.authorizer_id,
        api_key_required=_truthy(method.api_key_required),
        authorization_scopes=tuple(scopes if isinstance(scopes, list | tuple) else [scopes]),
        request_parameters={str(k): _truthy(v) for k, v in (method.request_parameters or {}).items()},
        request_validator_id=method.request_validator_id,
        integration=None if integration is None else _integration(integration),
    )


def _integration(integration: Any) -> Integration:
    responses = tuple(
        IntegrationResponse(
            status_code=str(r.status_code),
            selection_pattern=r.selection_pattern or None,
            templates={k: v for k, v in (r.response_templates or {}).items() if v},
            parameters=dict(r.response_parameters or {}),
            content_handling=r.content_handling,
        )
        for r in list((integration.integration_responses or {}).values())
    )
    timeout = integration.timeout_in_millis
    return Integration(
        type=str(integration.integration_type).upper(),
        uri=integration.uri or "",
        http_method=integration.http_method,
        request_templates={k: v for k, v in (integration.request_templates or {}).items() if v is not None},
        passthrough_behavior=integration.passthrough_behaviour or "WHEN_NO_MATCH",
        timeout_ms=int(timeout) if timeout not in (None, "") else None,
        request_parameters=dict(integration.request_parameters or {}),
        content_handling=integration.content_handling,
        responses=responses,
    )


def _stage(stage: Any) -> Stage:
    return Stage(
        name=stage.name,
        deployment_id=stage.deployment_id,
        variables={str(k): str(v) for k, v in (stage.variables or {}).items()},
        method_settings={k: dict(v) for k, v in (stage.method_settings or {}).items()},
    )


def _authorizer(authorizer: Any) -> Authorizer:
    ttl = authorizer.authorizer_result_ttl
    return Authorizer(
        id=authorizer.id,
        name=authorizer.name or "",
        type=str(authorizer.type or "TOKEN").upper(),
        uri=authorizer.authorizer_uri,
        identity_source=authorizer.identity_source,
        validation_expression=authorizer.identity_validation_expression,
        ttl_s=300 if ttl is None else int(ttl),
        provider_arns=tuple(authorizer.provider_arns or ()),
    )


def _gateway_response(response: Any) -> GatewayResponse:
    return GatewayResponse(
        type=response.response_type,
        status_code=str(response.status_code) if response.status_code else None,
        parameters=dict(response.response_parameters or {}),
        templates=dict(response.response_templates or {}),
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def find_api_key(account_id: str, region: str, value: str) -> ApiKey | None:
    for key in list(_backend(account_id, region).keys.values()):
        if key.value == value:
            return ApiKey(id=key.id, value=key.value, enabled=_truthy(key.enabled), name=key.name)
    return None


def plans_for_key(account_id: str, region: str, key_id: str) -> list[UsagePlan]:
    """The usage plans this key is attached to (as a usage-plan key)."""
    backend = _backend(account_id, region)
    return [
        _usage_plan(plan)
        for plan_id, plan in list(backend.usage_plans.items())
        if key_id in backend.usage_plan_keys.get(plan_id, {})
    ]


def get_usage_plan(account_id: str, region: str, plan_id: str) -> UsagePlan | None:
    plan = _backend(account_id, region).usage_plans.get(plan_id)
    return None if plan is None else _usage_plan(plan)


def usage_plan_key_ids(account_id: str, region: str, plan_id: str) -> list[str]:
    return list(_backend(account_id, region).usage_plan_keys.get(plan_id, {}).keys())


def _usage_plan(plan: Any) -> UsagePlan:
    stages: list[tuple[str, str]] = []
    method_throttles: dict[tuple[str, str, str], tuple[float, int]] = {}
    for entry in plan.api_stages or []:
        api_id, stage = str(entry.get("apiId")), str(entry.get("stage"))
        stages.append((api_id, stage))
        for method_key, limits in (entry.get("throttle") or {}).items():
            method_throttles[(api_id, stage, method_key)] = (
                float(limits.get("rateLimit", 0)),
                int(limits.get("burstLimit", 0)),
            )
    throttle, quota = plan.throttle or {}, plan.quota or {}
    return UsagePlan(
        id=plan.id,
        name=plan.name,
        api_stages=tuple(stages),
        rate_limit=float(throttle["rateLimit"]) if throttle.get("rateLimit") is not None else None,
        burst_limit=int(throttle["burstLimit"]) if throttle.get("burstLimit") is not None else None,
        quota_limit=int(quota["limit"]) if quota.get("limit") is not None else None,
        quota_period=str(quota["period"]).upper() if quota.get("period") else None,
        quota_offset=int(quota.get("offset") or 0),
        method_throttles=method_throttles,
    )


@functools.cache
def cognito_signing_keys() -> dict[str, dict[str, str]]:
    """moto signs every user pool's tokens with one RSA key; its public JWKS, by kid."""
    from moto.utilities.utils import load_resource

    jwks = load_resource("cognitoidp/resources/jwks-public.json")
    if isinstance(jwks, str | bytes):
        jwks = json.loads(jwks)
    return {str(k["kid"]): {str(a): str(b) for a, b in k.items()} for k in jwks["keys"]}


def user_pool_exists(account_id: str, region: str, pool_id: str) -> bool:
    from moto.cognitoidp.models import cognitoidp_backends

    backends = cognitoidp_backends[account_id]
    if region not in set(backends.keys()):
        return False
    return pool_id in backends[region].user_pools


def set_identity_validation_expression(
    account_id: str, region: str, api_id: str, authorizer_id: str, expression: str
) -> None:
    """moto 5.2's CreateAuthorizer drops identityValidationExpression (its model reads a misspelt keyword);
    this puts the value where UpdateAuthorizer would."""
    api = _backend(account_id, region).apis.get(api_id)
    authorizer = None if api is None else api.authorizers.get(authorizer_id)
    if authorizer is not None:
        authorizer.identity_validation_expression = expression
