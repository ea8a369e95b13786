"""Writing CloudWatch Logs into moto's logs backend (groups and streams created on first use)."""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()


def _backend(account_id: str, region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[account_id][region]


def put_lines(account_id: str, region: str, group: str, stream: str, lines: list[tuple[int, str]]) -> None:
    """`lines` are (timestamp in ms, message). Creates the group and stream as Lambda's service does."""
    if not lines:
        return
    backend = _backend(account_id, region)
    with _LOCK:
        if group not in backend.groups:
            backend.create_log_group(group, tags={})
        log_group = backend.groups[group]
        if stream not in log_group.streams:
            backend.create_log_stream(group, stream)
        backend.put_log_events(group, stream, [{"timestamp": ts, "message": msg} for ts, msg in lines])
