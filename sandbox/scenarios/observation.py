"""What a step sent and what came back: the one shape every step kind reports in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Observation:
    sent: dict[str, Any]
    ok: bool
    error: str | None = None  # an AWS error code, a Kubernetes reason, an ES error type…
    message: str | None = None
    status: int | None = None
    json: Any = None
    exit: int | None = None
    stdout: str | None = None
    stderr: str | None = None
    body: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def received(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok}
        for name in ("error", "message", "status", "exit", "stdout", "stderr", "body"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.json is not None:
            out["json"] = self.json
        return out
