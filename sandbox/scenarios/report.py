"""Failure reports: the file and line, the step, what was sent and what came back, secrets redacted."""

from __future__ import annotations

import json
import re
from typing import Any

_SECRET_NAME = re.compile(r"(secret|password|passwd|token|authorization|api[-_]?key|credential|private[-_]?key)",
                          re.IGNORECASE)
REDACTED = "***"


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if isinstance(k, str) and _SECRET_NAME.search(k) and v else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str) and len(value) > 2000:
        return value[:2000] + f"… ({len(value)} chars)"
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def show(value: Any, limit: int = 1500) -> str:
    text = json.dumps(redact(value), indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "\n  …"


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
