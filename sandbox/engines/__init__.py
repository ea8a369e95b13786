"""Engines: what actually serves the local cloud. `embedded` (the default) runs our daemon; `docker` runs
containers. Both answer the same three questions: up, down, status."""

from __future__ import annotations

from sandbox.core.errors import SandboxError
from sandbox.engines.base import Engine

ENGINES = ("embedded", "docker")


def get_engine(name: str) -> Engine:
    if name == "embedded":
        from sandbox.engines.embedded import EmbeddedEngine

        return EmbeddedEngine()
    if name == "docker":
        raise SandboxError(
            "The docker engine (LocalStack/MiniStack, kind, ELK compose) is not available in this version yet.",
            fix="Use the default embedded engine: sandbox up",
        )
    raise SandboxError(f"Unknown engine {name!r}.", fix=f"Choose one of: {', '.join(ENGINES)}.")
