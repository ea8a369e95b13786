"""Worker processes (one Lambda execution environment each) and the warm pools they wait in."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import io
import logging
import os
import secrets
import shutil
import signal
import subprocess
import time
import zipfile
from pathlib import Path

from sandbox.core import processes
from sandbox.services.aws.bridge.lambda_ import FunctionSpec
from sandbox.services.aws.lambda_ import runtimes
from sandbox.services.aws.lambda_.logs import LogWriter
from sandbox.services.aws.lambda_.perf import cpu_ns, peak_rss_mb
from sandbox.services.aws.lambda_.runtime_api import Invocation, Outcome, RuntimeApi

log = logging.getLogger("sandbox.aws")


def extract(zip_bytes: bytes, into: Path) -> Path:
    """Unzip once per content hash (atomically: unzip beside, then rename), keeping file modes."""
    digest = hashlib.sha256(zip_bytes).hexdigest()[:20]
    target = into / digest
    if target.exists():
        return target
    partial = into / f".{digest}.{secrets.token_hex(4)}"
    partial.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        for info in archive.infolist():
            path = archive.extract(info, partial)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode)
    try:
        partial.rename(target)
    except OSError:  # another worker won the race; theirs is identical
        shutil.rmtree(partial, ignore_errors=True)
    return target


class Worker:
    """One execution environment: a process running the function's runtime against its own RuntimeApi."""

    def __init__(self, spec: FunctionSpec, home: Path, aws_endpoint: str, provisioned: bool = False) -> None:
        self.spec = spec
        self.home = home
        self.aws_endpoint = aws_endpoint
        self.provisioned = provisioned
        self.id = secrets.token_hex(4)
        self.api = RuntimeApi()
        self.proc: subprocess.Popen[bytes] | None = None
        self.logs = LogWriter(spec.account_id, spec.region, spec.log_group, spec.version)
        self.spawned_at = 0.0
        self.last_used = time.monotonic()
        self.invocations = 0
        self.exited = asyncio.Event()
        self.exit_code: int | None = None
        self.killed_for: str | None = None  # "timeout" | "memory" | "stop"
        self._buffer = bytearray()
        self._tmp: Path | None = None
        self._root: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        # Each environment gets its own copy of the code (its working directory, as /var/task is) and its
        # own TMPDIR; the unzipped code is cached per content hash, so a cold start only copies it.
        self._root = self.home / "envs" / self.id
        code_root = self._root / "task"
        argv = runtimes.command(self.spec, code_root)
        if self.spec.code_zip:
            shutil.copytree(extract(self.spec.code_zip, self.home / "code"), code_root, symlinks=True)
        else:
            code_root.mkdir(parents=True)
        layers = [extract(layer.zip_bytes, self.home / "layers") for layer in self.spec.layers]
        self._tmp = self._root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        await self.api.start()
        env = runtimes.environment(
            self.spec,
            runtime_api=self.api.address,
            task_root=code_root,
            layer_roots=layers,
            tmp_dir=self._tmp,
            log_stream=self.logs.stream,
            aws_endpoint=self.aws_endpoint,
        )
        if self.provisioned:
            env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "provisioned-concurrency"
        self.spawned_at = time.monotonic()
        try:
            self.proc = processes.spawn_worker(
                argv, env=env, cwd=code_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
        except OSError as exc:  # e.g. a `bootstrap` that is missing or not executable
            await self.api.stop()
            raise WorkerStartError(f"Runtime.InvalidEntrypoint: {exc.strerror}: {argv[0]}") from exc
        pid = self.proc.pid
        self.api.cpu_probe = lambda: cpu_ns(pid)
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        asyncio.get_running_loop().add_reader(fd, self._read_output)
        log.info(
            "lambda %s:%s worker %s started (pid %s)",
            self.spec.name,
            self.spec.version,
            self.id,
            self.proc.pid,
        )

    async def wait_ready(self, timeout: float) -> float:
        """Wait for init to finish; returns the init duration in ms. Raises InitError on failure."""
        ready = asyncio.ensure_future(self.api.ready.wait())
        failed = asyncio.ensure_future(self.api.init_failed.wait())
        exited = asyncio.ensure_future(self.exited.wait())
        try:
            done, _ = await asyncio.wait(
                {ready, failed, exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in (ready, failed, exited):
                task.cancel()
        init_ms = ((self.api.ready_at or time.monotonic()) - self.spawned_at) * 1000
        if self.api.ready.is_set() and not self.api.init_failed.is_set():
            return init_ms
        if self.api.init_error is not None:
            self.kill("init")
            raise InitError(self.api.init_error.body, self.api.init_error.error_type, init_ms)
        if not done:
            self.kill("timeout")
            raise InitError(
                _error_json("Sandbox.Timedout", f"Init timed out after {timeout:.2f} seconds"),
                "Sandbox.Timedout",
                timeout * 1000,
            )
        await self.exited.wait()
        raise InitError(
            _error_json("Runtime.ExitError", f"Runtime exited with error: {self.exit_description()}"),
            "Runtime.ExitError",
            init_ms,
        )

    def kill(self, reason: str) -> None:
        self.killed_for = self.killed_for or reason
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        self.kill("stop")
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.get_running_loop().run_in_executor(None, self.proc.wait, 5)
            self._close_output()
        await self.api.stop()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and not self.exited.is_set()

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else 0

    def exit_description(self) -> str:
        code = self.exit_code if self.exit_code is not None else (self.proc.poll() if self.proc else None)
        if code is None:
            return "unknown"
        if code < 0:
            return f"signal: {signal.Signals(-code).name.removeprefix('SIG').lower()}"
        return f"exit status {code}"

    # -- invocations -------------------------------------------------------------------------------
    async def invoke(self, invocation: Invocation, timeout: float) -> Outcome | None:
        """The outcome, or None when the deadline passed (the caller reports the timeout)."""
        self.invocations += 1
        await self.api.queue.put(invocation)
        watchdog = asyncio.ensure_future(self._watch_memory())
        exited: asyncio.Future[object] = asyncio.ensure_future(self.exited.wait())
        waiting: set[asyncio.Future[object]] = {invocation.future, exited}  # type: ignore[arg-type]
        try:
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watchdog.cancel()
            exited.cancel()
            self.last_used = time.monotonic()
        if invocation.future.done():
            return invocation.future.result()
        if not done:
            self.kill("timeout")
            return None
        # The process died in the middle of the invocation.
        if self.killed_for == "memory":
            return Outcome(
                False,
                _error_json(
                    "Runtime.OutOfMemory",
                    f"RequestId: {invocation.request_id} Error: Runtime exited with error: signal: killed",
                ),
                "Runtime.OutOfMemory",
            )
        return Outcome(
            False,
            _error_json(
                "Runtime.ExitError",
                f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
                f"{self.exit_description()}",
            ),
            "Runtime.ExitError",
        )

    async def _watch_memory(self) -> None:
        """Lambda's memory limit is on the environment's resident memory: poll it, kill past the limit."""
        limit = self.spec.memory_mb
        while True:
            await asyncio.sleep(0.01)
            if self.proc is None:
                return
            if _rss_mb(self.proc.pid) > limit:
                log.info("lambda %s worker %s over %d MB: killed", self.spec.name, self.id, limit)
                self.kill("memory")
                return

    def max_memory_mb(self) -> int:
        return (
            peak_rss_mb(self.pid) if self.alive else self.spec.memory_mb if self.killed_for == "memory" else 0
        )

    # -- output ------------------------------------------------------------------------------------
    def _read_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._on_exit()
                return
            self._buffer += chunk

    def take_output(self) -> list[str]:
        """Everything the function printed so far, as lines. Reads the pipe first: the runtime wrote its
        output before it posted its response, so nothing of this invocation is left behind."""
        if self.proc is not None and self.proc.stdout is not None and not self.proc.stdout.closed:
            self._read_output()
        if not self._buffer:
            return []
        text = self._buffer.decode("utf-8", "replace")
        self._buffer.clear()
        return text.rstrip("\n").split("\n")

    def _on_exit(self) -> None:
        self._close_output()
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.exit_code = self.proc.wait(timeout=1)
        self.exited.set()

    def _close_output(self) -> None:
        if self.proc is not None and self.proc.stdout is not None and not self.proc.stdout.closed:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self.proc.stdout.fileno())
            self.proc.stdout.close()


class WorkerStartError(Exception):
    pass


class InitError(Exception):
    def __init__(self, body: bytes, error_type: str | None, init_ms: float) -> None:
        super().__init__(error_type or "init failed")
        self.body = body
        self.error_type = error_type
        self.init_ms = init_ms


def _error_json(error_type: str, message: str) -> bytes:
    import json

    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            resident_pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
