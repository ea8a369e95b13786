"""The docker engine against a stand-in for the Docker API (Docker itself is not available here)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sandbox.core.config import Settings
from sandbox.core.errors import SandboxError
from sandbox.core.registry import resolve
from sandbox.engines import engine_for
from sandbox.engines.docker import LABEL, DockerEngine, connect
from sandbox.scenarios.pytest_plugin import free_port


class FakeContainer:
    def __init__(self, name: str, labels: dict[str, str]) -> None:
        self.name, self.labels, self.status, self.short_id = name, labels, "running", "abc123"
        self.removed = False

    def remove(self, force: bool = False) -> None:
        self.removed = True

    def logs(self, tail: int = 20) -> bytes:
        return b"container log line"


class FakeContainers:
    def __init__(self) -> None:
        self.items: list[FakeContainer] = []
        self.runs: list[dict[str, Any]] = []

    def run(self, image: str, **kwargs: Any) -> FakeContainer:
        self.runs.append({"image": image, **kwargs})
        container = FakeContainer(kwargs["name"], kwargs["labels"])
        self.items.append(container)
        return container

    def list(self, all: bool = False, filters: dict[str, str] | None = None) -> list[FakeContainer]:
        key, _, value = (filters or {}).get("label", "").partition("=")
        return [c for c in self.items if not c.removed and c.labels.get(key) == value]


class FakeDocker:
    def __init__(self) -> None:
        self.containers = FakeContainers()


@pytest.fixture
def health_server() -> Iterator[int]:
    """Stands in for the container's published port: answers MiniStack's health path only."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/_ministack/health" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()


def test_up_publishes_on_loopback_waits_for_health_and_down_removes(
    tmp_path: Path, health_server: int
) -> None:
    fake = FakeDocker()
    engine = DockerEngine(fake)
    settings = Settings(home=tmp_path, ports={"aws": free_port()})

    # The port is published by Docker; for the health wait we point the settings at our stand-in afterwards.
    original_run = fake.containers.run

    def run_and_bind(image: str, **kwargs: Any) -> FakeContainer:
        container = original_run(image, **kwargs)
        settings.ports["aws"] = health_server
        return container

    fake.containers.run = run_and_bind  # type: ignore[method-assign]
    result = engine.up(settings, resolve([], "aws"), timeout=5)
    [run] = fake.containers.runs
    assert run["image"] == "ministackorg/ministack:latest"
    assert next(iter(run["ports"].values()))[0] == "127.0.0.1"
    assert run["labels"][LABEL] == str(tmp_path)
    assert result.status.state == "running"
    assert engine_for(settings).name == "docker", "status and down follow the engine that started it"

    assert engine.up(settings, resolve([], "aws")).already_running
    down = engine.down(settings)
    assert down.was_running and fake.containers.items[0].removed
    assert engine.status(settings).state == "stopped"


def test_services_without_an_image_are_refused(tmp_path: Path) -> None:
    from sandbox.core.registry import ServiceSpec

    engine = DockerEngine(FakeDocker())
    with pytest.raises(SandboxError, match="no image for: kubernetes"):
        engine.up(Settings(home=tmp_path), [ServiceSpec("kubernetes", "k", "x:y")])


def test_without_docker_the_error_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxError) as caught:
        connect()
    assert "Docker is not reachable" in caught.value.message
    assert "embedded engine" in (caught.value.fix or "")
