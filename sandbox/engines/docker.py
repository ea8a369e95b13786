"""The docker engine: the same endpoints, served by containers instead of our daemon.

For laptops that have Docker. The AWS endpoint is a MiniStack container by default (free, no account
token); `SANDBOX_DOCKER_AWS_IMAGE` picks another (e.g. localstack/localstack with LOCALSTACK_AUTH_TOKEN set).
Ports are published on 127.0.0.1 only. Containers carry a label naming the state dir, so `down` and
`status` find exactly the ones this sandbox started.
"""

from __future__ import annotations

import os
import time
from typing import Any

from sandbox.core.config import Settings
from sandbox.core.errors import SandboxError, StartFailed
from sandbox.core.ports import ensure_free
from sandbox.core.registry import ServiceSpec
from sandbox.core.state import DaemonRecord
from sandbox.core.wait import AnyOf, HttpWait, WaitTimeout
from sandbox.engines.base import DownResult, ServiceStatus, Status, UpResult

LABEL = "cloud-lab-sandbox.home"
IMAGES = {"aws": "ministackorg/ministack:latest"}
CONTAINER_PORTS = {"aws": 4566}
# LocalStack's health path, and MiniStack's own: whichever the image answers.
HEALTH_PATHS = {"aws": ("/_localstack/health", "/_ministack/health")}
PASSED_ENV = ("LOCALSTACK_AUTH_TOKEN",)


def image_for(service: str) -> str:
    return os.environ.get(f"SANDBOX_DOCKER_{service.upper()}_IMAGE", IMAGES[service])


def connect() -> Any:
    try:
        import docker
    except ImportError:
        raise SandboxError(
            "The docker engine needs the Docker SDK for Python.",
            fix="pip install 'cloud-lab-sandbox[docker]', or use the embedded engine: sandbox up",
        ) from None
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # the SDK raises DockerException, requests' errors, FileNotFoundError…
        raise SandboxError(
            f"Docker is not reachable ({type(exc).__name__}).",
            fix="Start Docker (Docker Desktop, or dockerd), or use the embedded engine: sandbox up",
        ) from None
    return client


class DockerEngine:
    name = "docker"

    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect()
        return self._client

    def _containers(self, settings: Settings) -> list[Any]:
        return list(self.client.containers.list(all=True, filters={"label": f"{LABEL}={settings.home}"}))

    def up(self, settings: Settings, specs: list[ServiceSpec], *, timeout: float = 120.0) -> UpResult:
        unsupported = [spec.name for spec in specs if spec.name not in IMAGES]
        if unsupported:
            raise SandboxError(
                f"The docker engine has no image for: {', '.join(unsupported)}.",
                fix=f"Start only {', '.join(IMAGES)} with --engine docker, or use the embedded engine.",
            )
        current = self.status(settings)
        if current.state == "running":
            return UpResult(already_running=True, seconds=0.0, status=current)
        for container in self._containers(settings):
            container.remove(force=True)
        started = time.monotonic()
        for spec in specs:
            ensure_free(settings.host, settings.port(spec.name))
            self.client.containers.run(
                image_for(spec.name),
                detach=True,
                name=f"sandbox-{spec.name}-{abs(hash(str(settings.home))) % 10**8}",
                ports={f"{CONTAINER_PORTS[spec.name]}/tcp": ("127.0.0.1", settings.port(spec.name))},
                labels={LABEL: str(settings.home), "cloud-lab-sandbox.service": spec.name},
                environment={name: os.environ[name] for name in PASSED_ENV if name in os.environ},
            )
        try:
            for spec in specs:
                url = settings.url(spec.name)
                AnyOf(*(HttpWait(url + path) for path in HEALTH_PATHS[spec.name])).with_timeout(
                    timeout
                ).wait()
        except WaitTimeout as exc:
            logs = "\n".join(c.logs(tail=20).decode("utf-8", "replace") for c in self._containers(settings))
            raise StartFailed(
                "The sandbox containers did not become healthy.", fix="See: docker logs", detail=logs
            ) from exc
        DaemonRecord(
            pid=0,
            pgid=0,
            started_at=time.time(),
            engine=self.name,
            version=image_for("aws"),
            status="running",
            services={s.name: {"url": settings.url(s.name), "image": image_for(s.name)} for s in specs},
        ).write(settings)
        return UpResult(
            already_running=False, seconds=time.monotonic() - started, status=self.status(settings)
        )

    def down(self, settings: Settings) -> DownResult:
        containers = self._containers(settings)
        for container in containers:
            container.remove(force=True)
        settings.state_file.unlink(missing_ok=True)
        return DownResult(was_running=bool(containers), stopped_pids=[], killed_pids=[])

    def status(self, settings: Settings) -> Status:
        containers = self._containers(settings)
        if not containers:
            return Status(state="stopped", engine=self.name)
        services = []
        for container in containers:
            name = container.labels.get("cloud-lab-sandbox.service", container.name)
            state = "running" if container.status == "running" else container.status
            services.append(
                ServiceStatus(
                    name,
                    settings.url(name) if name in IMAGES else "",
                    state,
                    {"container": container.short_id, "image": image_for(name)},
                )
            )
        crashed = any(s.status != "running" for s in services)
        return Status(
            state="crashed" if crashed else "running",
            engine=self.name,
            services=services,
            log_tail="\n".join(
                c.logs(tail=20).decode("utf-8", "replace") for c in containers if c.status != "running"
            ),
        )
