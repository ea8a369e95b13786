"""The daemon's record in the state dir: who is running, since when, and where it serves.

`daemon.lock` is held (flock) by the live daemon for its whole life, so "is a sandbox running here?" never
depends on a pid that may have been reused.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from sandbox.core.config import Settings


@dataclass
class DaemonRecord:
    pid: int
    pgid: int
    started_at: float
    engine: str
    version: str
    status: str  # starting | running | stopping
    services: dict[str, dict[str, Any]] = field(default_factory=dict)

    def write(self, settings: Settings) -> None:
        settings.home.mkdir(parents=True, exist_ok=True)
        tmp = settings.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(settings.state_file)

    @classmethod
    def read(cls, settings: Settings) -> DaemonRecord | None:
        try:
            data = json.loads(settings.state_file.read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None


def lock_path(settings: Settings) -> Path:
    return settings.home / "daemon.lock"


def acquire_lock(settings: Settings) -> int | None:
    """Take the state dir's lock for this process's life; None when another daemon holds it."""
    settings.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def lock_held(settings: Settings) -> bool:
    path = lock_path(settings)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def alive(pid: int) -> bool:
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
