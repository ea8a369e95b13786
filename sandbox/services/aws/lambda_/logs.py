"""Lambda's log lines in AWS's exact format, and their delivery to CloudWatch Logs."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from sandbox.services.aws.bridge import logs as cw_logs
from sandbox.services.aws.lambda_.perf import Timing


def stream_name(version: str) -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{secrets.token_hex(16)}"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(request_id: str, timing: Timing, max_memory_mb: int, init_ms: float | None) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {timing.duration_ms:.2f} ms\t"
        f"Billed Duration: {timing.billed_ms} ms\tMemory Size: {timing.memory_mb} MB\t"
        f"Max Memory Used: {min(max_memory_mb, timing.memory_mb)} MB\t"
    )
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line


def timeout_line(request_id: str, timeout_s: int) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{stamp} {request_id} Task timed out after {timeout_s:.2f} seconds"


def tail(lines: list[str], limit: int = 4096) -> str:
    """The last 4 KB of an invocation's log, as `LogType=Tail` returns it."""
    text = "\n".join(lines) + "\n"
    raw = text.encode()
    return raw[-limit:].decode("utf-8", "ignore")


class LogWriter:
    """One CloudWatch stream per worker, as on Lambda (one execution environment, one stream)."""

    def __init__(self, account_id: str, region: str, group: str, version: str) -> None:
        self.account_id = account_id
        self.region = region
        self.group = group
        self.stream = stream_name(version)

    def write(self, lines: list[str]) -> None:
        now = int(time.time() * 1000)
        cw_logs.put_lines(
            self.account_id, self.region, self.group, self.stream, [(now, line) for line in lines]
        )
