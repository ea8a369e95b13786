"""Failure reports: the file and line, the step, what was sent and what came back, secrets redacted."""

from __future__ import annotations

import json
import re
from typing import Any

_SECRET_NAME = re.compile(
    r"(secret|password|passwd|token|authorization|api[-_]?key|credential|private[-_]?key)", re.IGNORECASE
)
REDACTED = "***"


def secrets_in(value: Any) -> set[str]:
    """The values sent under secret-looking names (x-api-key, Authorization, Password…)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if (
                isinstance(key, str)
                and _SECRET_NAME.search(key)
                and isinstance(item, str | int)
                and str(item)
            ):
                found.add(str(item))
            else:
                found |= secrets_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= secrets_in(item)
    return found


def redact(value: Any, secrets: set[str] = frozenset()) -> Any:  # type: ignore[assignment]
    """Secret-named fields masked, and any secret value masked wherever else it shows up (echoes)."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_NAME.search(k) and v else redact(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        for secret in secrets:
            if len(secret) >= 4:
                value = value.replace(secret, REDACTED)
        if len(value) > 2000:
            return value[:2000] + f"… ({len(value)} chars)"
    return value


def show(value: Any, secrets: set[str] = frozenset(), limit: int = 1500) -> str:  # type: ignore[assignment]
    text = json.dumps(redact(value, secrets), indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "\n  …"


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
