"""Engines: what actually serves the local cloud. `embedded` (the default) runs our daemon; `docker` runs
containers. Both answer the same three questions: up, down, status."""

from __future__ import annotations

from sandbox.core.config import Settings
from sandbox.core.errors import SandboxError
from sandbox.engines.base import Engine

ENGINES = ("embedded", "docker")


def get_engine(name: str) -> Engine:
    if name == "embedded":
        from sandbox.engines.embedded import EmbeddedEngine

        return EmbeddedEngine()
    if name == "docker":
        from sandbox.engines.docker import DockerEngine

        return DockerEngine()
    raise SandboxError(f"Unknown engine {name!r}.", fix=f"Choose one of: {', '.join(ENGINES)}.")


def engine_for(settings: Settings) -> Engine:
    """The engine that started the sandbox of this state dir (embedded when none did)."""
    from sandbox.core.state import DaemonRecord

    record = DaemonRecord.read(settings)
    return get_engine(record.engine if record is not None and record.engine in ENGINES else "embedded")
