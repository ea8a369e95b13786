"""Processes the sandbox owns: the daemon's process group, and the workers it starts inside it.

Every worker (Lambda function, instance agent, pod) is started through `spawn_worker`: it stays in the
daemon's process group, so `down` can end them all with one signal, and it asks the kernel to kill it if the
daemon dies first, so a crashed daemon leaves no orphan behind either.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

_PR_SET_PDEATHSIG = 1
# Loaded once here: the child of a fork in a threaded daemon must not call dlopen.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn_worker(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | str | None = None,
    stdout: int | None = subprocess.DEVNULL,
    stderr: int | None = subprocess.DEVNULL,
    stdin: int | None = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """Start a worker with exactly `env` (nothing inherited) in the daemon's process group.

    It cannot outlive the daemon (PR_SET_PDEATHSIG), and `down` ends it with the group.
    """
    return subprocess.Popen(
        list(args),
        env=dict(env),
        cwd=cwd,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=_die_with_parent,
        close_fds=True,
    )


def spawn_daemon(args: Sequence[str], *, log_file: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start the daemon detached: its own session and process group, output to its log, no terminal."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            list(args),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def terminate_group(pgid: int, pids: Sequence[int], grace: float = 5.0) -> list[int]:
    """SIGTERM the group and the given pids, wait, then SIGKILL what is left. Returns the pids killed."""
    procs = _existing(pids)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, remaining = psutil.wait_procs(procs, timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    for proc in remaining:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(remaining, timeout=2)
    _wait_group_gone(pgid, timeout=2)
    return [p.pid for p in remaining]


def tree(pid: int) -> list[int]:
    """The pid and all its descendants, as far as they can be seen now."""
    try:
        root = psutil.Process(pid)
        return [pid] + [child.pid for child in root.children(recursive=True)]
    except psutil.Error:
        return []


def group_members(pgid: int) -> list[int]:
    members = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc.pid)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return members


def _existing(pids: Sequence[int]) -> list[psutil.Process]:
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return procs


def _wait_group_gone(pgid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and group_members(pgid):
        time.sleep(0.05)
