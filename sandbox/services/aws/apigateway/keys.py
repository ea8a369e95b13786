"""API keys and the limits around a request: the usage plan a key belongs to (throttle, then quota), and the
stage's own method throttling.

A method with `apiKeyRequired` needs an enabled key, attached to a usage plan that covers this API and
stage; anything else is 403 Forbidden. The key comes from the `x-api-key` header, or from the Lambda
authorizer's `usageIdentifierKey` when the API's apiKeySource is AUTHORIZER.
"""

from __future__ import annotations

from sandbox.services.aws.apigateway import errors
from sandbox.services.aws.apigateway.events import Invocation
from sandbox.services.aws.apigateway.usage import UsageLedger
from sandbox.services.aws.bridge import apigateway as bridge


def enforce_api_key(inv: Invocation, ledger: UsageLedger, authorizer_key: str | None = None) -> None:
    api = inv.api
    value = authorizer_key if api.api_key_source == "AUTHORIZER" else inv.request.header("x-api-key")
    if not value:
        raise errors.InvalidApiKey(detail="API key required, and none was sent")
    key = bridge.find_api_key(api.account_id, api.region, value)
    if key is None or not key.enabled:
        raise errors.InvalidApiKey(detail="unknown or disabled API key")
    plan = next(
        (p for p in bridge.plans_for_key(api.account_id, api.region, key.id) if p.covers(api.id, inv.stage)),
        None,
    )
    if plan is None:
        raise errors.InvalidApiKey(detail=f"API key {key.id} is in no usage plan for {api.id}/{inv.stage}")
    inv.api_key, inv.api_key_id = key.value, key.id

    method_key = f"{inv.route.resource.path}/{inv.request.method}"
    per_method = plan.method_throttles.get((api.id, inv.stage, method_key)) or plan.method_throttles.get(
        (api.id, inv.stage, f"{inv.route.resource.path}/{inv.route.method.http_method}")
    )
    if per_method is not None:
        rate, burst = per_method
        if not ledger.allow(("plan-method", plan.id, key.id, method_key), rate, burst):
            raise errors.Throttled(detail=f"usage plan {plan.id} method throttle for key {key.id}")
    elif plan.rate_limit is not None or plan.burst_limit is not None:
        rate = plan.rate_limit if plan.rate_limit is not None else float(plan.burst_limit or 0)
        burst = plan.burst_limit if plan.burst_limit is not None else max(1, int(rate))
        if not ledger.allow(("plan", plan.id, key.id), rate, burst):
            raise errors.Throttled(detail=f"usage plan {plan.id} throttle for key {key.id}")
    if not ledger.consume(plan, key.id):
        raise errors.QuotaExceeded(detail=f"usage plan {plan.id} quota spent for key {key.id}")


def enforce_stage_throttle(inv: Invocation, ledger: UsageLedger) -> None:
    """The stage's method settings (`*/*` or `~1path/METHOD`), when throttling is configured there."""
    stage = inv.api.stages.get(inv.stage)
    if stage is None or not stage.method_settings:
        return
    escaped = inv.route.resource.path.lstrip("/").replace("/", "~1")
    setting_key = f"{escaped}/{inv.route.method.http_method}"
    settings = stage.method_settings.get(setting_key) or stage.method_settings.get("*/*")
    if not settings or "throttlingRateLimit" not in settings:
        return
    rate = float(settings.get("throttlingRateLimit", 0))
    burst = int(settings.get("throttlingBurstLimit", 0))
    key = ("stage", inv.api.id, inv.stage, setting_key if setting_key in stage.method_settings else "*/*")
    if not ledger.allow(key, rate, burst):
        raise errors.Throttled(detail=f"stage {inv.stage} method throttle")
