"""The sandbox daemon: one process that hosts every embedded service, each on its own loopback port.

Started detached by `sandbox up` (or in the foreground with `--foreground`), it holds the state dir's lock
for its whole life, binds every port before it reports anything, and on SIGTERM stops its services (and
with them every worker they started) before it exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from sandbox import __version__
from sandbox.core import processes
from sandbox.core.config import Settings
from sandbox.core.errors import SandboxError
from sandbox.core.ports import bind
from sandbox.core.registry import Service, resolve
from sandbox.core.state import DaemonRecord, acquire_lock

log = logging.getLogger("sandbox.daemon")


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling: the daemon stops all servers together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _logging(settings: Settings, names: list[str]) -> None:
    """The daemon's own lines and library warnings go to stdout (daemon.log); each service to <name>.log."""
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    line = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format=line)
    logging.getLogger("sandbox").setLevel(logging.INFO)
    for name in names:
        handler = logging.FileHandler(settings.logs_dir / f"{name}.log")
        handler.setFormatter(logging.Formatter(line))
        service_log = logging.getLogger(f"sandbox.{name}")
        service_log.addHandler(handler)
        service_log.propagate = False


async def serve(
    settings: Settings, services: list[Service], sockets: dict[str, socket.socket], engine: str
) -> None:
    loop = asyncio.get_running_loop()
    servers: list[_Server] = []
    for service in services:
        config = uvicorn.Config(
            service.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            http="httptools",
            timeout_keep_alive=30,
            # Loopback only: no proxy in front whose headers to trust, and no per-request cost for them.
            proxy_headers=False,
            timeout_graceful_shutdown=2,
        )
        servers.append(_Server(config))

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    tasks = [
        asyncio.create_task(srv.serve(sockets=[sockets[svc.name]]))
        for srv, svc in zip(servers, services, strict=True)
    ]
    while not all(srv.started for srv in servers):
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0.005)
    for service in services:
        await service.start()

    record = DaemonRecord(
        pid=os.getpid(),
        pgid=os.getpgid(0),
        started_at=time.time(),
        engine=engine,
        version=__version__,
        status="running",
        services={svc.name: svc.health() for svc in services},
    )
    record.write(settings)
    log.info(
        "sandbox %s running: %s", __version__, ", ".join(f"{s.name}={settings.url(s.name)}" for s in services)
    )

    done_task = asyncio.ensure_future(asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED))
    stop_task = asyncio.ensure_future(stop.wait())
    await asyncio.wait([done_task, stop_task], return_when=asyncio.FIRST_COMPLETED)
    log.info("stopping")
    record.status = "stopping"
    record.write(settings)
    for service in services:
        try:
            await service.stop()
        except Exception:
            log.exception("service %s failed to stop cleanly", service.name)
    for srv in servers:
        srv.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    done_task.cancel()
    stop_task.cancel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sandbox-daemon")
    parser.add_argument("--services", default="")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--engine", default="embedded")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    lock = acquire_lock(settings)
    if lock is None:
        print(f"another sandbox daemon already holds {settings.home}", file=sys.stderr)
        return 3
    specs = resolve([n for n in args.services.split(",") if n], args.profile)
    _logging(settings, [spec.name for spec in specs])

    try:
        sockets = {spec.name: bind(settings.host, settings.port(spec.name)) for spec in specs}
    except SandboxError as exc:
        print(f"error: {exc.message} {exc.fix or ''}", file=sys.stderr)
        return 4
    services = [spec.create(settings) for spec in specs]
    try:
        asyncio.run(serve(settings, services, sockets, args.engine))
    finally:
        _reap_workers()
        settings.state_file.unlink(missing_ok=True)
        os.close(lock)
    return 0


def _reap_workers() -> None:
    """Whatever a service left running in our group is ended before the daemon goes."""
    me = os.getpid()
    children = [pid for pid in processes.tree(me) if pid != me]
    if children:
        log.warning("ending %d leftover worker(s): %s", len(children), children)
        _kill(children)


def _kill(pids: list[int]) -> None:
    import psutil

    procs: list[Any] = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            proc.terminate()
            procs.append(proc)
    _, alive = psutil.wait_procs(procs, timeout=2)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
