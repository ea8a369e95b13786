"""Every registered service has the same shape: a lazy factory that builds a Service with an ASGI app,
start/stop, reset and health. A broken factory fails here, not in a user's `sandbox up`."""

from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path

import pytest

from sandbox.core.config import Settings
from sandbox.core.registry import REGISTRY, Service, resolve
from sandbox.scenarios import steps


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_service_builds_with_the_common_shape(name: str, tmp_path: Path) -> None:
    spec = REGISTRY[name]
    module = spec.factory.partition(":")[0]
    assert module.startswith(f"sandbox.services.{name}."), "a service lives in its own folder"
    service = spec.create(Settings(home=tmp_path))
    assert isinstance(service, Service)
    assert service.name == name
    assert inspect.iscoroutinefunction(service.start) and inspect.iscoroutinefunction(service.stop)
    assert callable(service.app)
    service.reset()
    asyncio.run(service.start())
    assert service.health()["status"] == "running"
    asyncio.run(service.stop())


def test_the_registry_imports_no_service_until_asked() -> None:
    # The CLI reads the registry on every call; importing it must not drag in moto.
    code = "import sys, sandbox.core.registry; print('moto' in sys.modules)"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_profiles_and_unknown_names() -> None:
    assert [s.name for s in resolve([], "aws")] == ["aws"]
    with pytest.raises(KeyError, match="nope"):
        resolve(["nope"], None)


def test_every_step_kind_describes_itself() -> None:
    for name, kind in steps.kinds().items():
        assert kind.name == name
        assert callable(kind.run) and callable(kind.describe)
