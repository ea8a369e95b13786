"""Side-by-side benchmark of the sandbox daemon against ministack and moto_server, all on loopback.

Run it with `make bench` (that is, `.venv/bin/python bench/run.py`). For each target it measures, in one run:

* startup_s        wall time from the start command to a 200 from the health URL (median of 3 starts);
* idle_rss_mb      summed RSS (MiB) of the server's process tree after start-up and 1 s of idle;
* s3_put/get p50/p95 (ms) of boto3 put_object / get_object with a 1 KiB body, after 20 warm-up calls;
* rss_after_s3_mb  the same RSS sum once the S3 calls are done.

That is the `aws` suite. The `serverless` suite (bench/serverless.py) measures Lambda warm and cold invokes,
S3 -> Lambda and API Gateway -> Lambda on the sandbox and ministack; moto_server is skipped there, since it
cannot execute a function without Docker. `--suite aws|serverless|all` picks them (default all); with both,
the serverless suite runs on the server the aws suite left running.

The peers get their own virtualenvs under .bench/venvs/ (ministack pins its own botocore), built on the
first run and reused afterwards. Every server is bound to 127.0.0.1 on a free port and no request goes
anywhere else. Whatever is started is stopped again, process tree and all, even on errors or Ctrl-C.

Output: one JSON line per metric and target (`"value": null` plus a `reason` where a metric could not be
measured), then one JSON line of ratios (sandbox / peer) per metric (marked `"higher_is_better": true` for
rates), then a plain-text summary (left out with --json-only). Progress goes to stderr. The exit status is 1
when a target or a part of a suite failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import boto3
import psutil
import serverless
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".bench" / "venvs"
HOST = "127.0.0.1"
TARGETS = ("sandbox", "ministack", "moto")
PEERS = ("ministack", "moto")
SUITES = ("aws", "serverless")
HEALTH_PATHS = {"sandbox": "/_sandbox/health", "ministack": "/_ministack/health", "moto": "/moto-api/"}
REQUIREMENTS = {"ministack": "ministack==1.5.33", "moto": "moto[server]==5.2.5"}

STARTS = 3
WARMUP_CALLS = 20
IDLE_SECONDS = 1.0
START_TIMEOUT = 60.0
STOP_GRACE = 5.0
PIP_TIMEOUT = 600.0
BODY = bytes(range(256)) * 4  # 1 KiB

# Health checks must never go through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# (metric, unit) of the aws suite; every one is "lower is better", so a ratio below 1 favours the sandbox.
AWS_METRICS: tuple[tuple[str, str], ...] = (
    ("startup_s", "s"),
    ("idle_rss_mb", "MiB"),
    ("s3_put_p50_ms", "ms"),
    ("s3_put_p95_ms", "ms"),
    ("s3_get_p50_ms", "ms"),
    ("s3_get_p95_ms", "ms"),
    ("rss_after_s3_mb", "MiB"),
)
SERVERLESS_METRICS: tuple[tuple[str, str], ...] = (
    *((metric, unit) for metric, unit, _ in serverless.METRICS),
    ("rss_after_serverless_mb", "MiB"),
    ("procs_after_serverless", "count"),
)
METRICS = AWS_METRICS + SERVERLESS_METRICS
HIGHER_IS_BETTER = serverless.HIGHER_IS_BETTER

# The goals the issue sets; the last one is relative to moto_server.
GOAL_STARTUP_S = 1.5
GOAL_IDLE_RSS_MB = 150.0
GOAL_PUT_RATIO_MOTO = 1.5
GOAL_WARM_INVOKE_P50_MS = 3.0
GOAL_S3_TO_LAMBDA_MS = 100.0
GOAL_APIGW_RPS_OVER_MINISTACK = 2.0


class BenchError(Exception):
    pass


_quiet = False


def progress(message: str) -> None:
    if not _quiet:
        print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """The status a loopback URL answers with, or None when nothing answers."""
    if not url.startswith(f"http://{HOST}:"):
        raise BenchError(f"refusing to send a request off loopback: {url}")
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def wait_healthy(url: str, alive: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if http_status(url) == 200:
            return
        if not alive():
            raise BenchError(f"the server exited before {url} answered 200")
        if time.monotonic() >= deadline:
            raise BenchError(f"{url} did not answer 200 within {timeout:.0f} s")
        time.sleep(0.01)


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and all its live descendants (empty when it is gone)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    return [proc for proc in procs if _alive(proc)]


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def tree_rss_mib(pid: int) -> float:
    total = 0
    for proc in process_tree(pid):
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    if total == 0:
        raise BenchError(f"process {pid} is gone; no RSS to measure")
    return total / (1024 * 1024)


def tree_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) so far of the process and, summed, of its live descendants."""
    own = children = 0.0
    for proc in process_tree(pid):
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            if proc.pid == pid:
                own = times.user + times.system
            else:
                children += times.user + times.system
    return own, children


def end_processes(procs: Iterable[psutil.Process], grace: float = STOP_GRACE) -> list[int]:
    """SIGTERM, wait up to `grace`, then SIGKILL. Returns the pids that needed SIGKILL."""
    live = [proc for proc in procs if _alive(proc)]
    for proc in live:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, remaining = psutil.wait_procs(live, timeout=grace)
    for proc in remaining:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(remaining, timeout=2.0)
    return [proc.pid for proc in remaining]


def non_loopback_listeners(pid: int) -> list[str]:
    """Listening sockets of the process tree that are not on 127.0.0.0/8 (there should be none)."""
    found: list[str] = []
    for proc in process_tree(pid):
        try:
            connections = proc.net_connections(kind="inet")
        except psutil.Error:
            continue
        for conn in connections:
            if conn.status == psutil.CONN_LISTEN and conn.laddr and not conn.laddr.ip.startswith("127."):
                found.append(f"pid {proc.pid} on {conn.laddr.ip}:{conn.laddr.port}")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without its own sandbox/venv settings, plus loopback proxy bypass."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SANDBOX_") and key not in ("VIRTUAL_ENV", "PYTHONHOME")
    }
    for key in ("NO_PROXY", "no_proxy"):
        env[key] = ",".join(filter(None, ["127.0.0.1,localhost", env.get(key)]))
    env.update(extra)
    return env


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# ------------------------------------------------------------------------------------------ virtualenvs


def ensure_venv(name: str) -> Path:
    """`.bench/venvs/<name>` with its requirement installed; reused when its stamp says so."""
    requirement = REQUIREMENTS[name]
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / ".bench-installed"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == requirement:
        return venv
    progress(f"creating {venv.relative_to(ROOT)} with {requirement} (first run only)")
    VENVS.mkdir(parents=True, exist_ok=True)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
            check=True,
            timeout=PIP_TIMEOUT,
            env=clean_env(),
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise BenchError(f"could not build the {name} virtualenv: {exc}") from exc
    stamp.write_text(requirement + "\n")
    return venv


# ---------------------------------------------------------------------------------------------- servers


class Server(ABC):
    """One benchmarked server. `start` blocks until it is healthy and returns the seconds that took."""

    name: str

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @abstractmethod
    def start(self) -> float: ...

    @abstractmethod
    def root_pid(self) -> int: ...

    @property
    @abstractmethod
    def running(self) -> bool: ...

    def request_log(self) -> Path | None:
        """A log with the server's own time per request, when it keeps one."""
        return None

    @abstractmethod
    def stop(self) -> None:
        """Stop it and everything it started; safe to call when it is not running."""


class SandboxServer(Server):
    """Our daemon, through the real CLI: `sandbox up` returns only once it is healthy."""

    name = "sandbox"

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.cli = Path(sys.executable).with_name("sandbox")
        if not self.cli.exists():
            found = shutil.which("sandbox")
            if found is None:
                raise BenchError(
                    "the `sandbox` command is not installed in this virtualenv (run `make bench`)"
                )
            self.cli = Path(found)
        self.home: Path | None = None
        self.pid: int | None = None
        self.known: list[psutil.Process] = []
        self.runs = 0

    def _env(self) -> dict[str, str]:
        assert self.home is not None
        return clean_env(SANDBOX_HOME=str(self.home), SANDBOX_AWS_PORT=str(self.port), SANDBOX_HOST=HOST)

    def start(self) -> float:
        self.runs += 1
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix=f"home{self.runs}-", dir=self.workdir))
        log = self.workdir / f"sandbox-up-{self.runs}.log"
        with open(log, "wb") as out:
            started = time.perf_counter()
            try:
                result = subprocess.run(
                    [str(self.cli), "up"],
                    env=self._env(),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=START_TIMEOUT,
                )
            except subprocess.TimeoutExpired as exc:
                raise BenchError(f"`sandbox up` did not return within {START_TIMEOUT:.0f} s") from exc
            elapsed = time.perf_counter() - started
        self._track()
        if result.returncode != 0:
            raise BenchError(f"`sandbox up` exited {result.returncode}:\n{log_tail(log)}")
        if self.pid is None:
            raise BenchError(f"`sandbox up` succeeded but {self.home / 'daemon.json'} names no pid")
        if http_status(f"{self.endpoint}/_sandbox/health") != 200:
            raise BenchError("`sandbox up` returned but /_sandbox/health does not answer 200")
        return elapsed

    def _track(self) -> None:
        """Remember the daemon and its children, from daemon.json or, failing that, by its SANDBOX_HOME."""
        assert self.home is not None
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            self.pid = int(json.loads((self.home / "daemon.json").read_text())["pid"])
        roots = [self.pid] if self.pid is not None else []
        roots += [proc.pid for proc in self._daemons_by_home()]
        for pid in roots:
            for proc in process_tree(pid):
                if proc.pid not in {p.pid for p in self.known}:
                    self.known.append(proc)

    def _daemons_by_home(self) -> list[psutil.Process]:
        """Daemons serving this run's SANDBOX_HOME, found even when daemon.json was never written."""
        found: list[psutil.Process] = []
        if self.home is None:
            return found
        for proc in psutil.process_iter(["cmdline"]):
            try:
                cmdline = proc.info["cmdline"] or []
                if "sandbox.core.daemon" in cmdline and proc.environ().get("SANDBOX_HOME") == str(self.home):
                    found.append(proc)
            except psutil.Error:
                continue
        return found

    def root_pid(self) -> int:
        if self.pid is None:
            raise BenchError("the sandbox is not running")
        return self.pid

    @property
    def running(self) -> bool:
        return self.pid is not None

    def request_log(self) -> Path | None:
        # The gateway logs every request as "... -> STATUS X.Xms" here.
        return self.home / "logs" / "aws.log" if self.home is not None else None

    def stop(self) -> None:
        if self.home is None:
            return
        self._track()
        try:
            subprocess.run(
                [str(self.cli), "down"],
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=30,
            )
        except subprocess.TimeoutExpired:
            progress("`sandbox down` did not return within 30 s; ending its processes directly")
        killed = end_processes(self.known)
        if killed:
            progress(f"sandbox: `sandbox down` left {len(killed)} process(es) behind; killed {killed}")
        self.known = []
        self.pid = None
        shutil.rmtree(self.home, ignore_errors=True)
        self.home = None


class PeerServer(Server):
    """A server we launch ourselves, in its own session, and end by process tree."""

    def __init__(self, workdir: Path, name: str, venv: Path, health_path: str) -> None:
        super().__init__(workdir)
        self.name = name
        self.venv = venv
        self.health_path = health_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return clean_env()

    def start(self) -> float:
        self.runs += 1
        self.port = free_port()
        log = self.workdir / f"{self.name}-{self.runs}.log"
        command, env = self.command(), self.env()
        with open(log, "wb") as out:
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.workdir,
            )
            proc = self.proc
            try:
                wait_healthy(f"{self.endpoint}{self.health_path}", lambda: proc.poll() is None, START_TIMEOUT)
            except BenchError as exc:
                raise BenchError(f"{self.name}: {exc}\n{log_tail(log)}") from exc
            return time.perf_counter() - started

    def root_pid(self) -> int:
        if self.proc is None:
            raise BenchError(f"{self.name} is not running")
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        killed = end_processes(process_tree(proc.pid))
        if killed:
            progress(f"{self.name}: needed SIGKILL for {killed}")
        # It led its own session: anything still in that group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


class MinistackServer(PeerServer):
    def __init__(self, workdir: Path, venv: Path) -> None:
        super().__init__(workdir, "ministack", venv, "/_ministack/health")
        self.scratch = workdir / "ministack-tmp"
        self.scratch.mkdir(exist_ok=True)

    def command(self) -> list[str]:
        return [str(self.venv / "bin" / "ministack")]

    def env(self) -> dict[str, str]:
        return clean_env(
            GATEWAY_PORT=str(self.port),
            BIND_HOST=HOST,
            # Its IoT mTLS listener would bind 0.0.0.0:8883 on its own; SFTP binds only on demand.
            IOT_MTLS_ENABLED="0",
            SFTP_ENABLED="0",
            PERSIST_STATE="0",
            S3_PERSIST="0",
            # Its pid file and any scratch data stay in our temp dir.
            TMPDIR=str(self.scratch),
            # No Docker daemon is ever contacted.
            DOCKER_HOST=f"unix://{self.scratch / 'no-docker.sock'}",
        )


class MotoServer(PeerServer):
    def __init__(self, workdir: Path, venv: Path) -> None:
        super().__init__(workdir, "moto", venv, "/moto-api/")

    def command(self) -> list[str]:
        return [str(self.venv / "bin" / "moto_server"), "-H", HOST, "-p", str(self.port)]


# ------------------------------------------------------------------------------------------------- S3


def s3_latencies(endpoint: str, bucket: str, calls: int) -> tuple[list[float], list[float]]:
    """Milliseconds of `calls` put_object and then `calls` get_object, after warm-up."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )
    client.create_bucket(Bucket=bucket)
    for i in range(WARMUP_CALLS):
        key = f"warmup/{i}"
        client.put_object(Bucket=bucket, Key=key, Body=BODY)
        client.get_object(Bucket=bucket, Key=key)["Body"].read()

    puts: list[float] = []
    for i in range(calls):
        started = time.perf_counter()
        client.put_object(Bucket=bucket, Key=f"obj/{i:06d}", Body=BODY)
        puts.append((time.perf_counter() - started) * 1000)
    gets: list[float] = []
    for i in range(calls):
        started = time.perf_counter()
        body = client.get_object(Bucket=bucket, Key=f"obj/{i:06d}")["Body"].read()
        gets.append((time.perf_counter() - started) * 1000)
        if len(body) != len(BODY):
            raise BenchError(f"get_object returned {len(body)} bytes, expected {len(BODY)}")
    client.close()
    return puts, gets


# ---------------------------------------------------------------------------------------------- running


@dataclass
class Outcome:
    target: str
    values: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # metric -> why it has no value
    startup_runs: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # parts of a suite that failed; the run continued
    error: str | None = None


def measure_aws(server: Server, calls: int, outcome: Outcome) -> None:
    """The aws suite; the server is left running after it."""
    for attempt in range(STARTS):
        seconds = server.start()
        outcome.startup_runs.append(seconds)
        progress(f"{server.name}: start {attempt + 1}/{STARTS} healthy in {seconds:.3f} s")
        if attempt < STARTS - 1:
            server.stop()
    outcome.values["startup_s"] = statistics.median(outcome.startup_runs)

    wide = non_loopback_listeners(server.root_pid())
    if wide:
        raise BenchError(f"{server.name} listens beyond loopback: {', '.join(wide)}")
    time.sleep(IDLE_SECONDS)
    outcome.values["idle_rss_mb"] = tree_rss_mib(server.root_pid())

    progress(f"{server.name}: {calls} put_object + {calls} get_object on {server.endpoint}")
    puts, gets = s3_latencies(server.endpoint, f"bench-{server.name}", calls)
    outcome.values["s3_put_p50_ms"] = percentile(puts, 50)
    outcome.values["s3_put_p95_ms"] = percentile(puts, 95)
    outcome.values["s3_get_p50_ms"] = percentile(gets, 50)
    outcome.values["s3_get_p95_ms"] = percentile(gets, 95)
    outcome.values["rss_after_s3_mb"] = tree_rss_mib(server.root_pid())


def measure_serverless(server: Server, args: argparse.Namespace, outcome: Outcome) -> None:
    """The serverless suite, on the running server (started here when the aws suite did not run)."""
    if not server.running:
        seconds = server.start()
        progress(f"{server.name}: healthy in {seconds:.3f} s")
    progress(f"{server.name}: serverless suite on {server.endpoint}")
    result = serverless.run_suite(
        server.name,
        server.endpoint,
        f"{server.endpoint}{HEALTH_PATHS[server.name]}",
        progress,
        invokes=args.invokes,
        rps_seconds=args.rps_seconds,
        request_log=server.request_log(),
        cpu_probe=lambda: tree_cpu_seconds(server.root_pid()),
    )
    outcome.values.update(result.values)
    outcome.reasons.update(result.reasons)
    outcome.notes.extend(result.notes)
    outcome.failures.extend(result.failures)
    # Function environments (and their Runtime API ports) must stay on loopback too.
    wide = non_loopback_listeners(server.root_pid())
    if wide:
        raise BenchError(
            f"{server.name} listens beyond loopback after the serverless suite: {', '.join(wide)}"
        )
    outcome.values["rss_after_serverless_mb"] = tree_rss_mib(server.root_pid())
    outcome.values["procs_after_serverless"] = len(process_tree(server.root_pid()))


def skip_serverless(outcome: Outcome) -> None:
    for metric, _ in SERVERLESS_METRICS:
        outcome.reasons[metric] = serverless.MOTO_SKIP


def measure(server: Server, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(server.name)
    try:
        if "aws" in args.suites:
            measure_aws(server, args.calls, outcome)
        if "serverless" in args.suites:
            if server.name == "moto":
                skip_serverless(outcome)
            else:
                measure_serverless(server, args, outcome)
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
        progress(f"{server.name}: FAILED: {outcome.error}")
    finally:
        server.stop()
    return outcome


def make_server(target: str, workdir: Path) -> Server:
    if target == "sandbox":
        return SandboxServer(workdir)
    if target == "ministack":
        return MinistackServer(workdir, ensure_venv("ministack"))
    return MotoServer(workdir, ensure_venv("moto"))


# ---------------------------------------------------------------------------------------------- reporting


def suite_metrics(suites: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return (AWS_METRICS if "aws" in suites else ()) + (SERVERLESS_METRICS if "serverless" in suites else ())


def metric_lines(outcomes: dict[str, Outcome], suites: Sequence[str]) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = []
    for outcome in outcomes.values():
        for metric, unit in suite_metrics(suites):
            if metric in outcome.values:
                value = round(outcome.values[metric], 4)
                lines.append({"metric": metric, "target": outcome.target, "value": value, "unit": unit})
            elif metric in outcome.reasons:
                lines.append(
                    {
                        "metric": metric,
                        "target": outcome.target,
                        "value": None,
                        "unit": unit,
                        "reason": outcome.reasons[metric],
                    }
                )
    return lines


def ratio_lines(outcomes: dict[str, Outcome], suites: Sequence[str]) -> list[dict[str, object]]:
    sandbox = outcomes.get("sandbox")
    if sandbox is None:
        return []
    lines: list[dict[str, object]] = []
    for metric, _ in suite_metrics(suites):
        mine = sandbox.values.get(metric)
        line: dict[str, object] = {"metric": metric}
        for peer in PEERS:
            theirs = outcomes[peer].values.get(metric) if peer in outcomes else None
            if mine is not None and theirs:
                line[f"ratio_sandbox_over_{peer}"] = round(mine / theirs, 3)
        if len(line) > 1:
            if metric in HIGHER_IS_BETTER:
                line["higher_is_better"] = True
            lines.append(line)
    return lines


def goals(outcomes: dict[str, Outcome], suites: Sequence[str]) -> list[tuple[str, str]]:
    """(goal, verdict) for each of the issue's targets that this run can judge."""
    sandbox = outcomes.get("sandbox")
    if sandbox is None:
        return []
    values = sandbox.values
    verdicts: list[tuple[str, str]] = []

    def judge(label: str, value: float | None, limit: float, shown: str, at_least: bool = False) -> None:
        if value is None:
            verdicts.append((label, "not measured"))
        else:
            met = value >= limit if at_least else value <= limit
            verdicts.append((label, f"{'MET' if met else 'NOT MET'} ({shown})"))

    if "aws" in suites:
        startup = values.get("startup_s")
        judge(f"up -> healthy <= {GOAL_STARTUP_S} s", startup, GOAL_STARTUP_S, f"{startup or 0:.2f} s")
        rss = values.get("idle_rss_mb")
        judge(f"idle RSS <= {GOAL_IDLE_RSS_MB:.0f} MB", rss, GOAL_IDLE_RSS_MB, f"{rss or 0:.1f} MiB")
        moto = outcomes.get("moto")
        put, moto_put = values.get("s3_put_p50_ms"), moto.values.get("s3_put_p50_ms") if moto else None
        ratio = put / moto_put if put is not None and moto_put else None
        judge(
            f"S3 put p50 <= {GOAL_PUT_RATIO_MOTO}x moto_server",
            ratio,
            GOAL_PUT_RATIO_MOTO,
            f"{ratio or 0:.2f}x",
        )
    if "serverless" in suites:
        for memory in serverless.MEMORY_SIZES:
            for kind in serverless.HANDLER_KINDS:
                p50 = values.get(f"lambda_warm_invoke_p50_ms_{memory}mb_{kind}")
                judge(
                    f"warm invoke p50 <= {GOAL_WARM_INVOKE_P50_MS:g} ms ({memory} MB, {kind})",
                    p50,
                    GOAL_WARM_INVOKE_P50_MS,
                    f"{p50 or 0:.2f} ms",
                )
        trigger = values.get("s3_to_lambda_ms")
        judge(
            f"S3 -> Lambda <= {GOAL_S3_TO_LAMBDA_MS:.0f} ms",
            trigger,
            GOAL_S3_TO_LAMBDA_MS,
            f"{trigger or 0:.1f} ms",
        )
        ministack = outcomes.get("ministack")
        for metric in ("apigw_lambda_rps_1", "apigw_lambda_rps_8"):
            mine = values.get(metric)
            theirs = ministack.values.get(metric) if ministack else None
            ratio = mine / theirs if mine is not None and theirs else None
            judge(
                f"{metric} >= {GOAL_APIGW_RPS_OVER_MINISTACK:g}x ministack",
                ratio,
                GOAL_APIGW_RPS_OVER_MINISTACK,
                f"{mine or 0:.0f} vs {theirs or 0:.0f} req/s = {ratio or 0:.2f}x",
                at_least=True,
            )
    return verdicts


def _table_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """The first column left-aligned, the figures right-aligned."""
    return "  ".join(
        cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(cells)
    )


def summary(outcomes: dict[str, Outcome], args: argparse.Namespace) -> str:
    targets = list(outcomes)
    peers = [peer for peer in PEERS if peer in outcomes and "sandbox" in outcomes]
    header = ["metric", *targets, *[f"sandbox/{peer}" for peer in peers]]
    rows: list[list[str]] = []
    for metric, unit in suite_metrics(args.suites):
        if all(metric not in outcome.values for outcome in outcomes.values()):
            continue
        marker = " ^" if metric in HIGHER_IS_BETTER else ""
        row = [f"{metric} ({unit}){marker}"]
        for target in targets:
            value = outcomes[target].values.get(metric)
            row.append(
                "-"
                if value is None
                else f"{value:.3f}"
                if unit == "s"
                else f"{value:.0f}"
                if unit == "count"
                else f"{value:.2f}"
            )
        for peer in peers:
            mine, theirs = outcomes["sandbox"].values.get(metric), outcomes[peer].values.get(metric)
            row.append(f"{mine / theirs:.2f}" if mine is not None and theirs else "-")
        rows.append(row)
    widths = [max(len(line[col]) for line in [header, *rows]) for col in range(len(header))]
    out = [
        f"Benchmark on {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"suites: {', '.join(args.suites)}"
        + (f", {args.calls} S3 calls per op" if "aws" in args.suites else "")
        + (f", {args.invokes} invokes per variant" if "serverless" in args.suites else "")
    ]
    out.append(_table_row(header, widths))
    out.append("  ".join("-" * width for width in widths))
    out.extend(_table_row(row, widths) for row in rows)
    if any(row[0].endswith(" ^") for row in rows):
        out.append("^ higher is better (a ratio above 1 favours the sandbox); lower is better elsewhere")
    for target, outcome in outcomes.items():
        if outcome.startup_runs:
            runs = ", ".join(f"{seconds:.3f}" for seconds in outcome.startup_runs)
            out.append(f"{target} starts (s): {runs}")
        by_reason: dict[str, list[str]] = {}
        for metric, reason in outcome.reasons.items():
            by_reason.setdefault(reason, []).append(metric)
        for reason, metrics in by_reason.items():
            shown = "serverless metrics" if len(metrics) > 8 else ", ".join(metrics)
            out.append(f"{target}: no value for {shown}: {reason}")
        out.extend(f"{target}: {note}" for note in outcome.notes)
        out.extend(f"{target} part FAILED: {failure}" for failure in outcome.failures)
        if outcome.error:
            out.append(f"{target} FAILED: {outcome.error}")
    verdicts = goals(outcomes, args.suites)
    if verdicts:
        out.append("Issue targets for the sandbox:")
        out.extend(f"  {label}: {verdict}" for label, verdict in verdicts)
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--only", default=",".join(TARGETS), help="comma-separated targets (default: all)")
    parser.add_argument(
        "--suite", choices=(*SUITES, "all"), default="all", help="which metrics to measure (default: all)"
    )
    parser.add_argument("--calls", type=int, default=500, help="timed put_object and get_object calls each")
    parser.add_argument(
        "--invokes", type=int, default=serverless.INVOKES, help="timed Lambda invokes per warm variant"
    )
    parser.add_argument(
        "--rps-seconds",
        type=float,
        default=serverless.RPS_SECONDS,
        help="seconds of API Gateway load per thread count",
    )
    parser.add_argument("--json-only", action="store_true", help="print only the JSON lines")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in TARGETS]
    if unknown or not chosen:
        parser.error(f"--only takes names from {', '.join(TARGETS)}; got {args.only!r}")
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    if args.invokes < 1:
        parser.error("--invokes must be at least 1")
    if not 0 < args.rps_seconds <= 60:
        parser.error("--rps-seconds must be above 0 and at most 60")
    args.targets = [name for name in TARGETS if name in chosen]
    args.suites = list(SUITES) if args.suite == "all" else [args.suite]
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    global _quiet
    args = parse_args(argv)
    _quiet = args.json_only
    signal.signal(signal.SIGTERM, _terminate)
    # boto3 reads proxy settings from the environment: loopback must bypass them.
    for key in ("NO_PROXY", "no_proxy"):
        os.environ[key] = ",".join(filter(None, ["127.0.0.1,localhost", os.environ.get(key)]))

    outcomes: dict[str, Outcome] = {}
    workdir = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    began = time.monotonic()
    try:
        for target in args.targets:
            if target == "moto" and args.suites == ["serverless"]:
                outcomes[target] = Outcome(target)
                skip_serverless(outcomes[target])
                progress(f"{target}: {serverless.MOTO_SKIP}")
                continue
            try:
                server = make_server(target, workdir)
            except BenchError as exc:
                outcomes[target] = Outcome(target, error=str(exc))
                progress(f"{target}: FAILED: {exc}")
                continue
            outcomes[target] = measure(server, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    progress(f"done in {time.monotonic() - began:.1f} s")

    for line in metric_lines(outcomes, args.suites):
        print(json.dumps(line))
    for line in ratio_lines(outcomes, args.suites):
        print(json.dumps(line))
    if not args.json_only:
        print()
        print(summary(outcomes, args))
    sys.stdout.flush()
    return 1 if any(outcome.error or outcome.failures for outcome in outcomes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
