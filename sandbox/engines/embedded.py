"""The embedded engine: our own daemon, detached, in its own process group."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
import urllib.request
from collections import deque
from pathlib import Path

from sandbox.core import processes
from sandbox.core.config import Settings
from sandbox.core.errors import NotRunning, StartFailed
from sandbox.core.ports import ensure_free
from sandbox.core.registry import ServiceSpec
from sandbox.core.state import DaemonRecord, alive, lock_held
from sandbox.core.wait import AllOf, HttpWait, ProcessDied, WaitTimeout
from sandbox.engines.base import DownResult, ServiceStatus, Status, UpResult

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def daemon_log(settings: Settings) -> Path:
    return settings.logs_dir / "daemon.log"


def tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except OSError:
        return ""


class EmbeddedEngine:
    name = "embedded"

    def daemon_command(self, specs: list[ServiceSpec]) -> list[str]:
        names = ",".join(spec.name for spec in specs)
        return [sys.executable, "-m", "sandbox.core.daemon", "--services", names, "--engine", self.name]

    def up(self, settings: Settings, specs: list[ServiceSpec], *, timeout: float = 30.0) -> UpResult:
        started = time.monotonic()
        current = self.status(settings)
        if current.state == "running":
            return UpResult(already_running=True, seconds=0.0, status=current)
        if current.state == "crashed":
            settings.state_file.unlink(missing_ok=True)
        for spec in specs:
            ensure_free(settings.host, settings.port(spec.name))

        log_file = daemon_log(settings)
        log_offset = log_file.stat().st_size if log_file.exists() else 0
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "SANDBOX_HOME": str(settings.home)}
        proc = processes.spawn_daemon(self.daemon_command(specs), log_file=log_file, env=env)
        waits = [HttpWait(f"{settings.url(spec.name)}/_sandbox/health") for spec in specs]
        try:
            AllOf(*waits).with_timeout(timeout).while_alive(lambda: proc.poll() is None).wait()
        except (ProcessDied, WaitTimeout) as exc:
            if proc.poll() is None:
                processes.terminate_group(proc.pid, processes.tree(proc.pid), grace=2.0)
            raise StartFailed(
                "The sandbox daemon did not become healthy"
                + (" (it exited)." if isinstance(exc, ProcessDied) else f" within {timeout:.0f} s."),
                fix=f"Read the log for the cause: {log_file}",
                detail=_new_log(log_file, log_offset),
            ) from exc
        # The daemon writes its record just after its servers answer; give it a moment.
        deadline = time.monotonic() + 5
        while DaemonRecord.read(settings) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return UpResult(
            already_running=False, seconds=time.monotonic() - started, status=self.status(settings)
        )

    def down(self, settings: Settings) -> DownResult:
        record = DaemonRecord.read(settings)
        if record is None or not alive(record.pid):
            settings.state_file.unlink(missing_ok=True)
            return DownResult(was_running=False, stopped_pids=[], killed_pids=[])
        pids = processes.tree(record.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGTERM)
        # Poll rather than wait(): the daemon is not our child, so it lingers as a zombie until init reaps
        # it, and a zombie has stopped all the same.
        deadline = time.monotonic() + 10
        while alive(record.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        # Anything the daemon could not stop itself goes now, group and tree alike.
        survivors = [pid for pid in pids if alive(pid)]
        killed: list[int] = []
        if record.pgid == record.pid:
            killed = processes.terminate_group(record.pgid, survivors, grace=1.0)
        elif survivors:
            for pid in survivors:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                killed.append(pid)
        settings.state_file.unlink(missing_ok=True)
        return DownResult(was_running=True, stopped_pids=pids, killed_pids=killed)

    def status(self, settings: Settings) -> Status:
        record = DaemonRecord.read(settings)
        running = lock_held(settings)
        if record is None:
            return Status(state="running" if running else "stopped", engine=self.name)
        if not running or not alive(record.pid):
            return Status(
                state="crashed",
                engine=record.engine,
                pid=record.pid,
                started_at=record.started_at,
                version=record.version,
                log_tail=tail(daemon_log(settings)),
            )
        services = [
            self._probe(name, info.get("url") or settings.url(name)) for name, info in record.services.items()
        ]
        return Status(
            state="running",
            engine=record.engine,
            pid=record.pid,
            started_at=record.started_at,
            version=record.version,
            services=services,
        )

    def _probe(self, name: str, url: str) -> ServiceStatus:
        try:
            with _OPENER.open(f"{url}/_sandbox/health", timeout=2) as response:
                detail = json.loads(response.read() or b"{}")
                return ServiceStatus(name, url, detail.get("status", "running"), detail)
        except OSError as exc:
            return ServiceStatus(name, url, "unreachable", {"error": str(exc)})


def _new_log(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-20:])


def require_running(settings: Settings) -> Status:
    from sandbox.engines import engine_for

    status = engine_for(settings).status(settings)
    if status.state != "running":
        raise NotRunning("The sandbox is not running.", fix="Start it with: sandbox up")
    return status
