"""The IAM policy a Lambda authorizer returns, evaluated against the method ARN of a request.

As IAM does: an explicit Deny that matches wins, else a matching Allow permits, else the request is denied
implicitly. `Action` and `Resource` take a string or a list; `*` matches any run of characters (slashes
included) and `?` exactly one. `NotAction` / `NotResource` are honoured; conditions are not evaluated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"


class InvalidPolicy(Exception):
    pass


def method_arn(region: str, account_id: str, api_id: str, stage: str, http_method: str, path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path without its leading slash}`."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{http_method}/{path.lstrip('/')}"


@functools.lru_cache(maxsize=1024)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(glob: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(glob, ignore_case).fullmatch(value) is not None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    raise InvalidPolicy(f"expected a string or a list, got {type(value).__name__}")


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        return [statements]
    if isinstance(statements, list) and all(isinstance(s, Mapping) for s in statements):
        return statements
    raise InvalidPolicy("the policy document has no Statement list")


def _applies(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    if "NotAction" in statement:
        action_ok = not any(
            wildcard_match(a, action, ignore_case=True) for a in _as_list(statement["NotAction"])
        )
    else:
        action_ok = any(
            wildcard_match(a, action, ignore_case=True) for a in _as_list(statement.get("Action"))
        )
    if "NotResource" in statement:
        resource_ok = not any(wildcard_match(r, resource) for r in _as_list(statement["NotResource"]))
    else:
        resource_ok = any(wildcard_match(r, resource) for r in _as_list(statement.get("Resource")))
    return action_ok and resource_ok


def evaluate(document: Any, resource: str, action: str = "execute-api:Invoke") -> Decision:
    if not isinstance(document, Mapping):
        raise InvalidPolicy("the policyDocument is not an object")
    allowed = False
    for statement in _statements(document):
        effect = str(statement.get("Effect", ""))
        if effect not in ("Allow", "Deny"):
            raise InvalidPolicy(f"invalid Effect {effect!r}")
        if not _applies(statement, action, resource):
            continue
        if effect == "Deny":
            return Decision.EXPLICIT_DENY
        allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
