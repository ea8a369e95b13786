"""Checking a port before we promise it, and naming who holds it when it is taken."""

from __future__ import annotations

import errno
import socket

import psutil

from sandbox.core.errors import PortBusy, SandboxError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or PortBusy naming the holder. The daemon serves on exactly this socket."""
    # proto must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every keep-alive response stalls ~40 ms (Nagle against delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise busy(host, port) from exc
        raise SandboxError(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}.",
            fix="Check SANDBOX_HOST (default 127.0.0.1) and the SANDBOX_*_PORT settings.",
        ) from exc
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def ensure_free(host: str, port: int) -> None:
    bind(host, port).close()


def busy(host: str, port: int) -> PortBusy:
    holder = holder_of(port)
    who = f" by {holder}" if holder else ""
    return PortBusy(
        f"Port {port} on {host} is already in use{who}.",
        fix=f"Stop that process, or pick another port, e.g. SANDBOX_AWS_PORT={port + 1} sandbox up.",
    )


def holder_of(port: int) -> str | None:
    try:
        connections = psutil.net_connections(kind="inet")
    except (psutil.AccessDenied, PermissionError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            try:
                proc = psutil.Process(conn.pid)
                cmd = " ".join(proc.cmdline()[:4])
                return f"{proc.name()} (pid {conn.pid}: {cmd})"
            except psutil.Error:
                return f"pid {conn.pid}"
    return None
