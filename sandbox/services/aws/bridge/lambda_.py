"""Lambda functions as our runtime needs them, read from moto's lambda backend."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class FunctionNotFound(Exception):
    """str() is Lambda's own message, e.g. "Function not found: arn:aws:lambda:…:function:x"."""


@dataclass(frozen=True)
class Layer:
    arn: str
    zip_bytes: bytes


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or "1", "2"…
    runtime: str | None
    handler: str | None
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    code_sha256: str
    code_zip: bytes = field(repr=False)
    layers: tuple[Layer, ...] = ()
    reserved_concurrency: int | None = None
    package_type: str = "Zip"
    architectures: tuple[str, ...] = ("x86_64",)
    region: str = "us-east-1"
    account_id: str = "000000000000"

    @property
    def key(self) -> tuple[str, str, str]:
        """One warm pool per function version and code: an update gets fresh workers."""
        return (self.arn, self.version, self.code_sha256)

    @property
    def qualified_arn(self) -> str:
        return f"{self.arn}:{self.version}"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


def _backend(account_id: str, region: str) -> Any:
    # moto keeps functions in its "simple" backend when its own Docker execution is off (as we set it).
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def get_function(
    account_id: str, region: str, name_or_arn: str, qualifier: str | None = None
) -> FunctionSpec:
    """Resolves names, ARNs, versions and aliases as Lambda does."""
    from moto.awslambda.exceptions import UnknownFunctionException

    backend = _backend(account_id, region)
    try:
        fn = backend.get_function(name_or_arn, qualifier)
    except UnknownFunctionException as exc:
        raise FunctionNotFound(str(getattr(exc, "message", exc))) from None
    if fn is None:
        raise FunctionNotFound(f"Function not found: {name_or_arn}")
    layers = []
    for layer in getattr(fn, "layers", None) or []:
        arn = layer["Arn"] if isinstance(layer, dict) else str(layer)
        found = backend.layers_versions_by_arn(arn)
        if found is not None:
            layers.append(Layer(arn, bytes(found.code_bytes)))
    unqualified = fn.function_arn.rsplit(":", 1)[0] if fn.function_arn.count(":") > 6 else fn.function_arn
    return FunctionSpec(
        name=fn.function_name,
        arn=unqualified,
        version=str(fn.version),
        runtime=fn.run_time,
        handler=fn.handler,
        memory_mb=int(fn.memory_size),
        timeout_s=int(fn.timeout),
        environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        code_sha256=fn.code_sha_256,
        code_zip=bytes(fn.code_bytes or b""),
        layers=tuple(layers),
        reserved_concurrency=_reserved(backend, fn),
        package_type=fn.package_type,
        architectures=tuple(getattr(fn, "architectures", None) or ["x86_64"]),
        region=region,
        account_id=account_id,
    )


def _reserved(backend: Any, fn: Any) -> int | None:
    value = getattr(fn, "reserved_concurrency", None)
    if value is None:
        latest = backend.get_function(fn.function_name)
        value = getattr(latest, "reserved_concurrency", None)
    return None if value is None else int(value)


def _event_invoke_config(account_id: str, region: str, name: str) -> dict[str, Any]:
    backend = _backend(account_id, region)
    try:
        config = backend.get_function_event_invoke_config(name)
    except Exception:  # moto raises its own not-found types here; no config means the defaults
        return {}
    if isinstance(config, str):
        config = json.loads(config)
    return config or {}


def on_failure_destination(account_id: str, region: str, name: str) -> str | None:
    """The OnFailure destination of the function's event-invoke config, if any."""
    config = _event_invoke_config(account_id, region, name)
    return ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")


def on_success_destination(account_id: str, region: str, name: str) -> str | None:
    config = _event_invoke_config(account_id, region, name)
    return ((config.get("DestinationConfig") or {}).get("OnSuccess") or {}).get("Destination")


def event_invoke_retries(account_id: str, region: str, name: str) -> int:
    value = _event_invoke_config(account_id, region, name).get("MaximumRetryAttempts")
    return 2 if value is None else int(value)


def policy_statements(account_id: str, region: str, name_or_arn: str) -> list[dict[str, Any]]:
    """The function's resource policy statements (who may invoke it); empty when it has none."""
    backend = _backend(account_id, region)
    try:
        wire = json.loads(backend.get_policy(name_or_arn))
    except Exception:  # no function, or no policy: nobody is allowed
        return []
    policy = wire.get("Policy")
    if isinstance(policy, str):
        policy = json.loads(policy)
    statements = (policy or {}).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]
