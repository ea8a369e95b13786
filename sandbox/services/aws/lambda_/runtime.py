"""Invoking functions: warm pools, cold starts, throttling, timeouts, and the asynchronous Event path.

`LambdaRuntime.invoke` is the one synchronous path (Invoke, API Gateway, authorizers); `invoke_async` is the
Event path (Invoke with InvocationType=Event, S3 notifications): queued, retried twice on a function error,
then sent to the on-failure destination or the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.services.aws.bridge import lambda_ as bridge
from sandbox.services.aws.lambda_ import destinations
from sandbox.services.aws.lambda_ import logs as lambda_logs
from sandbox.services.aws.lambda_.perf import Timing
from sandbox.services.aws.lambda_.runtime_api import Invocation, Outcome
from sandbox.services.aws.lambda_.workers import InitError, Worker, WorkerStartError

if TYPE_CHECKING:
    from sandbox.services.aws.context import AwsContext

log = logging.getLogger("sandbox.aws")

INIT_TIMEOUT_S = 10.0
IDLE_SECONDS = float(os.environ.get("SANDBOX_LAMBDA_IDLE_SECONDS", "300"))
MAX_WORKERS = int(os.environ.get("SANDBOX_LAMBDA_MAX_WORKERS", "32"))
# Lambda waits about 1 and 2 minutes between the retries of a failed asynchronous invocation; a lab cannot,
# so the sandbox waits seconds. Override with e.g. SANDBOX_LAMBDA_RETRY_DELAYS=60,120.
RETRY_DELAYS = tuple(float(x) for x in os.environ.get("SANDBOX_LAMBDA_RETRY_DELAYS", "1,2").split(","))


class Throttled(Exception):
    """429 TooManyRequestsException; `reason` is Lambda's Reason field."""

    def __init__(self, reason: str) -> None:
        super().__init__("Rate Exceeded.")
        self.reason = reason


@dataclass
class InvokeResult:
    status: int
    payload: bytes
    function_error: str | None
    executed_version: str
    log_tail: str
    request_id: str
    duration_ms: float
    cold: bool


@dataclass
class FunctionStats:
    invocations: int = 0
    cold_starts: int = 0
    errors: int = 0
    throttles: int = 0
    timeouts: int = 0


@dataclass
class Pool:
    """The execution environments of one function version and configuration."""

    key: tuple[str, ...]
    idle: list[Worker] = field(default_factory=list)
    busy: set[Worker] = field(default_factory=set)
    provisioned: int = 0
    retired: bool = False  # superseded by new code or configuration

    @property
    def workers(self) -> list[Worker]:
        return [*self.idle, *self.busy]


def pool_key(spec: bridge.FunctionSpec) -> tuple[str, ...]:
    config = json.dumps(
        [
            spec.handler,
            spec.runtime,
            spec.memory_mb,
            spec.timeout_s,
            spec.environment,
            [layer.arn for layer in spec.layers],
        ],
        sort_keys=True,
    )
    return (*spec.key, config)


class LambdaRuntime:
    def __init__(self, ctx: AwsContext) -> None:
        self.ctx = ctx
        self.home = ctx.settings.home / "lambda"
        self.pools: dict[tuple[str, ...], Pool] = {}
        self.stats: dict[str, FunctionStats] = defaultdict(FunctionStats)
        self.provisioned: dict[tuple[str, str], int] = {}  # (function arn, qualifier) -> count
        self.dead_letters: dict[str, str] = {}  # function arn -> SQS/SNS target
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reaper: asyncio.Task[None] | None = None

    @property
    def endpoint(self) -> str:
        return self.ctx.settings.url("aws")

    def resolve(self, name_or_arn: str, qualifier: str | None, region: str | None) -> bridge.FunctionSpec:
        return bridge.get_function(
            self.ctx.account_id, region or self.ctx.settings.region, name_or_arn, qualifier
        )

    # -- the synchronous path ----------------------------------------------------------------------
    async def invoke(
        self,
        name_or_arn: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        region: str | None = None,
        client_context: str | None = None,
    ) -> InvokeResult:
        spec = self.resolve(name_or_arn, qualifier, region)
        return await self.invoke_spec(spec, payload, client_context=client_context)

    async def invoke_spec(
        self, spec: bridge.FunctionSpec, payload: bytes, *, client_context: str | None = None
    ) -> InvokeResult:
        self._ensure_reaper()
        stats = self.stats[spec.arn]
        request_id = str(uuid.uuid4())
        pool = self._pool(spec)
        worker, cold = self._acquire(spec, pool, stats)
        lines: list[str] = []
        init_ms: float | None = None
        try:
            if cold:
                try:
                    await worker.start()
                    init_ms = await worker.wait_ready(INIT_TIMEOUT_S)
                except InitError as exc:
                    return self._init_failed(spec, worker, request_id, exc, stats)
                except WorkerStartError as exc:
                    body = json.dumps(
                        {"errorType": "Runtime.InvalidEntrypoint", "errorMessage": str(exc)}
                    ).encode()
                    return self._init_failed(spec, worker, request_id, InitError(body, None, 0.0), stats)
                stats.cold_starts += 1
                lines += worker.take_output()  # what init printed precedes START, as on Lambda
            lines.append(lambda_logs.start_line(request_id, spec.version))
            invocation = Invocation(
                request_id=request_id,
                payload=payload or b"{}",
                deadline_ms=int(time.time() * 1000 + spec.timeout_s * 1000),
                invoked_arn=spec.arn if spec.version == "$LATEST" else spec.qualified_arn,
                client_context=client_context,
            )
            started = time.monotonic()
            outcome = await worker.invoke(invocation, spec.timeout_s)
            wall_ms = (
                ((time.monotonic() - (invocation.started or started)) * 1000)
                if outcome
                else spec.timeout_s * 1000
            )
            cpu_ms = _cpu_ms(invocation, outcome)
            timing = Timing(wall_ms=wall_ms, cpu_ms=min(cpu_ms, wall_ms), memory_mb=spec.memory_mb)
            if outcome is not None and outcome.ok and timing.throttle_ms > 0:
                await asyncio.sleep(timing.throttle_ms / 1000)
            lines += worker.take_output()
            if outcome is None:
                stats.timeouts += 1
                lines.append(lambda_logs.timeout_line(request_id, spec.timeout_s))
                outcome = Outcome(
                    False,
                    json.dumps(
                        {
                            "errorType": "Sandbox.Timedout",
                            "errorMessage": f"RequestId: {request_id} Error: Task timed out after {spec.timeout_s:.2f} seconds",
                        }
                    ).encode(),
                    "Sandbox.Timedout",
                )
            elif not outcome.ok and _is_memory_error(outcome):
                worker.kill("memory")
                outcome = Outcome(
                    False,
                    json.dumps(
                        {
                            "errorType": "Runtime.OutOfMemory",
                            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
                        }
                    ).encode(),
                    "Runtime.OutOfMemory",
                )
            lines.append(lambda_logs.end_line(request_id))
            max_mb = spec.memory_mb if worker.killed_for == "memory" else worker.max_memory_mb()
            lines.append(lambda_logs.report_line(request_id, timing, max_mb, init_ms))
            if not outcome.ok:
                stats.errors += 1
            stats.invocations += 1
            worker.logs.write(lines)
            return InvokeResult(
                status=200,
                payload=outcome.body,
                function_error=None if outcome.ok else "Unhandled",
                executed_version=spec.version,
                log_tail=lambda_logs.tail(lines),
                request_id=request_id,
                duration_ms=timing.duration_ms,
                cold=cold,
            )
        finally:
            self._release(pool, worker)

    def _pool(self, spec: bridge.FunctionSpec) -> Pool:
        key = pool_key(spec)
        pool = self.pools.get(key)
        if pool is None:
            # New code or configuration for this version: its old environments will never be used again.
            for stale in [p for k, p in self.pools.items() if k[:2] == key[:2] and k != key]:
                stale.retired = True  # busy environments finish their invocation, then _release stops them
                for worker in stale.idle:
                    self._spawn_task(worker.stop())
                stale.idle.clear()
                if not stale.busy:
                    del self.pools[stale.key]
            pool = self.pools[key] = Pool(key)
        return pool

    def _acquire(self, spec: bridge.FunctionSpec, pool: Pool, stats: FunctionStats) -> tuple[Worker, bool]:
        if spec.reserved_concurrency is not None:
            busy = sum(len(p.busy) for key, p in self.pools.items() if key[0] == spec.arn)
            if busy >= spec.reserved_concurrency:
                stats.throttles += 1
                raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
        while pool.idle:
            worker = pool.idle.pop()
            if worker.alive:
                pool.busy.add(worker)
                return worker, False
            self._spawn_task(worker.stop())
        if sum(len(p.workers) for p in self.pools.values()) >= MAX_WORKERS and not self._evict_one():
            stats.throttles += 1
            raise Throttled("ConcurrentInvocationLimitExceeded")
        worker = Worker(spec, self.home, self.endpoint)
        pool.busy.add(worker)
        return worker, True

    def _release(self, pool: Pool, worker: Worker) -> None:
        pool.busy.discard(worker)
        if worker.alive and worker.killed_for is None and not pool.retired:
            pool.idle.append(worker)
            return
        self._spawn_task(worker.stop())
        if pool.retired and not pool.busy:
            self.pools.pop(pool.key, None)

    def _evict_one(self) -> bool:
        """Make room: stop the least recently used idle worker that is not provisioned."""
        candidates = [
            (w.last_used, pool, w) for pool in self.pools.values() for w in pool.idle if not w.provisioned
        ]
        if not candidates:
            return False
        _, pool, worker = min(candidates, key=lambda item: item[0])
        pool.idle.remove(worker)
        self._spawn_task(worker.stop())
        return True

    def _init_failed(
        self, spec: bridge.FunctionSpec, worker: Worker, request_id: str, exc: InitError, stats: FunctionStats
    ) -> InvokeResult:
        stats.invocations += 1
        stats.errors += 1
        lines = worker.take_output()
        body = exc.body or b"{}"
        with contextlib.suppress(ValueError):
            parsed = json.loads(body)
            lines.append(
                f"INIT_REPORT Init Duration: {exc.init_ms:.2f} ms\tPhase: init\tStatus: error\t"
                f"Error Type: {parsed.get('errorType', exc.error_type)}"
            )
        timing = Timing(wall_ms=0.0, cpu_ms=0.0, memory_mb=spec.memory_mb)
        lines += [
            lambda_logs.start_line(request_id, spec.version),
            lambda_logs.end_line(request_id),
            lambda_logs.report_line(request_id, timing, worker.max_memory_mb(), exc.init_ms),
        ]
        worker.logs.write(lines)
        worker.kill("init")
        return InvokeResult(
            200,
            body,
            "Unhandled",
            spec.version,
            lambda_logs.tail(lines),
            request_id,
            timing.duration_ms,
            True,
        )

    # -- the asynchronous (Event) path ---------------------------------------------------------------
    def invoke_async(self, spec: bridge.FunctionSpec, payload: bytes) -> str:
        request_id = str(uuid.uuid4())
        self._spawn_task(self._deliver(spec, payload, request_id))
        return request_id

    async def _deliver(self, spec: bridge.FunctionSpec, payload: bytes, request_id: str) -> None:
        retries = bridge.event_invoke_retries(spec.account_id, spec.region, spec.name)
        attempts = 0
        result: InvokeResult | None = None
        while True:
            attempts += 1
            try:
                result = await self.invoke_spec(spec, payload)
            except Throttled:
                await asyncio.sleep(0.5)  # Lambda keeps retrying throttled events (for up to six hours)
                attempts -= 1
                continue
            except bridge.FunctionNotFound:
                log.info("async invoke %s: function %s is gone", request_id, spec.name)
                return
            if result.function_error is None or attempts > retries:
                break
            await asyncio.sleep(RETRY_DELAYS[min(attempts - 1, len(RETRY_DELAYS) - 1)])
        if result is not None:
            destinations.deliver(self, spec, payload, request_id, result, attempts)

    # -- provisioned concurrency ---------------------------------------------------------------------
    async def provision(self, spec: bridge.FunctionSpec, qualifier: str, count: int) -> None:
        """Keep `count` initialised environments ready for this version: no cold start on them."""
        self.provisioned[(spec.arn, qualifier)] = count
        pool = self._pool(spec)
        pool.provisioned = count
        ready = [w for w in pool.idle if w.provisioned]
        for _ in range(count - len(ready)):
            worker = Worker(spec, self.home, self.endpoint, provisioned=True)
            await worker.start()
            await worker.wait_ready(INIT_TIMEOUT_S)
            worker.take_output()
            pool.idle.append(worker)
        for extra in ready[count:]:
            pool.idle.remove(extra)
            await extra.stop()

    async def forget(self, function_arn: str) -> None:
        """The function was deleted: end its environments, provisioned ones included."""
        for key in [k for k in self.pools if k[0] == function_arn]:
            pool = self.pools.pop(key)
            await asyncio.gather(*(w.stop() for w in pool.workers), return_exceptions=True)
        for key in [k for k in self.provisioned if k[0] == function_arn]:
            del self.provisioned[key]
        self.dead_letters.pop(function_arn, None)

    # -- housekeeping --------------------------------------------------------------------------------
    def _spawn_task(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ensure_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.ensure_future(self._reap())

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, IDLE_SECONDS))
            cutoff = time.monotonic() - IDLE_SECONDS
            for pool in self.pools.values():
                for worker in list(pool.idle):
                    if not worker.provisioned and worker.last_used < cutoff:
                        pool.idle.remove(worker)
                        await worker.stop()

    def all_workers(self) -> list[Worker]:
        return [w for pool in self.pools.values() for w in pool.workers]

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*(w.stop() for w in self.all_workers()), return_exceptions=True)
        self.pools.clear()

    def reset(self) -> None:
        for worker in self.all_workers():
            worker.kill("stop")
        self.pools.clear()
        self.stats.clear()
        self.provisioned.clear()
        self.dead_letters.clear()


def _cpu_ms(invocation: Invocation, outcome: Outcome | None) -> float:
    """CPU the environment spent between handing out the event and receiving the answer."""
    if outcome is None or invocation.cpu_start_ns is None or outcome.cpu_end_ns is None:
        return 0.0
    return max(0, outcome.cpu_end_ns - invocation.cpu_start_ns) / 1e6


def _is_memory_error(outcome: Outcome) -> bool:
    return destinations.parse(outcome.body).get("errorType") == "MemoryError"


def log_result_header(result: InvokeResult) -> str:
    return base64.b64encode(result.log_tail.encode()).decode()
