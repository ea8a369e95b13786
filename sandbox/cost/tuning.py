"""Memory tuning for a Lambda function: run it at several memory sizes, price each, pick the sizes to use.

The plan, per memory size: set the size, wait for the update, invoke once to warm an environment (discarded),
then invoke N times with `LogType=Tail` and read Duration, Billed Duration and Max Memory Used from the REPORT
line. Optionally, force K fresh environments (by changing an environment variable) to measure Init Duration.
The original configuration is put back whatever happens.

Durations are measured once and priced for every architecture asked for: the sandbox runs all functions on
the host CPU, so an arm64 figure here is "these durations at arm64's price", not an arm64 measurement.
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from sandbox.core.errors import SandboxError
from sandbox.cost.prices import ARCHITECTURES, Cost, citation, price

MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10240
MAX_COLD_STARTS = 5
BALANCED_TOLERANCE = 0.10
NONCE_VARIABLE = "SANDBOX_TUNE_NONCE"

_REPORT = re.compile(
    r"REPORT RequestId: \S+\s+Duration: (?P<duration>[\d.]+) ms\s+Billed Duration: (?P<billed>\d+) ms\s+"
    r"Memory Size: (?P<memory>\d+) MB\s+Max Memory Used: (?P<used>\d+) MB"
    r"(?:\s+Init Duration: (?P<init>[\d.]+) ms)?"
)


# -- parsing the plan ----------------------------------------------------------------------------------
def parse_memory_sizes(text: str) -> list[int]:
    """Sorted, distinct sizes from e.g. "128, 512,256". Raises ValueError with a sentence to act on."""
    sizes: set[int] = set()
    for item in filter(None, (part.strip() for part in text.split(","))):
        if not item.isdigit():
            raise ValueError(f"{item!r} is not a whole number of MB")
        size = int(item)
        if not MIN_MEMORY_MB <= size <= MAX_MEMORY_MB:
            raise ValueError(f"{size} MB is outside Lambda's range {MIN_MEMORY_MB}–{MAX_MEMORY_MB} MB")
        sizes.add(size)
    if not sizes:
        raise ValueError("give at least one memory size, e.g. 128,512,1024")
    return sorted(sizes)


# -- measurements and statistics -----------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_used_mb: int
    init_ms: float | None = None


def parse_report(log: str) -> Report | None:
    matches = list(_REPORT.finditer(log))
    if not matches:
        return None
    last = matches[-1]  # the last REPORT line is this invocation's
    init = float(last["init"]) if last["init"] else None
    return Report(float(last["duration"]), int(last["billed"]), int(last["memory"]), int(last["used"]), init)


@dataclass(frozen=True)
class Sample:
    report: Report | None
    error: str | None = None  # "errorType: errorMessage" for a FunctionError, or the API error


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), interpolating linearly between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class SizeStats:
    memory_mb: int
    invocations: int
    errors: int
    avg_ms: float
    p50_ms: float
    p95_ms: float
    avg_billed_ms: float
    max_memory_used_mb: int
    costs: dict[str, Cost]
    first_error: str | None = None
    cold_starts: int = 0
    init_avg_ms: float | None = None
    cold_avg_ms: float | None = None

    def cost(self, architecture: str) -> float:
        return self.costs[architecture].per_invocation


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 3)


def summarise(
    memory_mb: int, warm: Sequence[Sample], architectures: Sequence[str], cold: Sequence[Sample] = ()
) -> SizeStats | None:
    """Stats of one memory size; None when no warm invocation produced a REPORT line.

    `errors` counts failed invocations, warm and cold alike: a size that fails at all is not recommended.
    """
    reports = [s.report for s in warm if s.report is not None]
    if not reports:
        return None
    durations = [r.duration_ms for r in reports]
    billed = _mean([r.billed_ms for r in reports])
    errors = [s.error for s in (*warm, *cold) if s.error]
    colds = [s.report for s in cold if s.report is not None]
    inits = [r.init_ms for r in colds if r.init_ms is not None]
    return SizeStats(
        memory_mb=memory_mb,
        invocations=len(warm),
        errors=len(errors),
        avg_ms=_mean(durations),
        p50_ms=round(percentile(durations, 50), 3),
        p95_ms=round(percentile(durations, 95), 3),
        avg_billed_ms=billed,
        max_memory_used_mb=max(r.max_memory_used_mb for r in reports),
        costs={arch: price(billed, memory_mb, arch) for arch in architectures},
        first_error=errors[0] if errors else None,
        cold_starts=len(cold),
        init_avg_ms=_mean(inits) if inits else None,
        cold_avg_ms=_mean([r.duration_ms for r in colds]) if colds else None,
    )


# -- recommendations ------------------------------------------------------------------------------------
@dataclass
class Recommendations:
    architecture: str  # whose prices decided "cheapest"
    cheapest: int | None
    fastest: int | None
    balanced: int | None
    rule: str
    excluded: list[int] = field(default_factory=list)  # sizes with errors: never recommended


def recommend(sizes: Sequence[SizeStats], architecture: str) -> Recommendations:
    eligible = [s for s in sizes if s.errors == 0]
    excluded = [s.memory_mb for s in sizes if s.errors]
    rule = (
        f"balanced = the cheapest size whose average duration is within {BALANCED_TOLERANCE:.0%} "
        "of the fastest size's"
    )
    if not eligible:
        return Recommendations(architecture, None, None, None, rule, excluded)
    cheapest = min(eligible, key=lambda s: (s.cost(architecture), s.avg_ms))
    fastest = min(eligible, key=lambda s: (s.avg_ms, s.cost(architecture)))
    limit = fastest.avg_ms * (1 + BALANCED_TOLERANCE)
    near = [s for s in eligible if s.avg_ms <= limit]
    balanced = min(near, key=lambda s: (s.cost(architecture), s.avg_ms))
    rule += f" ({fastest.avg_ms:.1f} ms, so at most {limit:.1f} ms)"
    return Recommendations(
        architecture, cheapest.memory_mb, fastest.memory_mb, balanced.memory_mb, rule, excluded
    )


# -- the run ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    memory_sizes: list[int]
    invocations: int = 10
    payload: bytes = b"{}"
    architectures: list[str] = field(default_factory=lambda: list(ARCHITECTURES))
    cold_starts: bool = False
    update_timeout_s: float = 60.0

    @property
    def cold_invocations(self) -> int:
        return min(self.invocations, MAX_COLD_STARTS) if self.cold_starts else 0


@dataclass
class TuneResult:
    function: str
    function_architecture: str
    plan: dict[str, Any]
    sizes: list[SizeStats]
    skipped: dict[int, str]  # memory size → why it has no stats
    recommendations: Recommendations
    prices: dict[str, str]  # where the prices come from, and their date
    started_at: str
    reports: dict[str, str] = field(default_factory=dict)  # "html"/"png" → path

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Tuner:
    """Drives one tuning run through a boto3 Lambda client (anything with its methods will do)."""

    def __init__(self, client: Any, function: str, plan: Plan, say: Callable[[str], None] | None = None):
        self.client, self.function, self.plan = client, function, plan
        self.say = say or (lambda _message: None)

    def run(self) -> TuneResult:
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        original = self._wait_updated()
        env = dict((original.get("Environment") or {}).get("Variables") or {})
        # With --cold-starts the environment is changed, so every reconfiguration also puts it back.
        restore_env = {"Environment": {"Variables": env}} if self.plan.cold_starts else {}
        sizes: list[SizeStats] = []
        skipped: dict[int, str] = {}
        try:
            for size in self.plan.memory_sizes:
                self.say(f"{size} MB: {self.plan.invocations} invocations")
                self._configure(MemorySize=size, **restore_env)
                self._invoke()  # warm-up, discarded
                warm = [self._invoke() for _ in range(self.plan.invocations)]
                cold = [self._cold_invoke(env) for _ in range(self.plan.cold_invocations)]
                stats = summarise(size, warm, self.plan.architectures, cold)
                if stats is None:
                    skipped[size] = next((s.error for s in warm if s.error), "no REPORT line in the logs")
                else:
                    sizes.append(stats)
        finally:
            self.say(f"restoring the original configuration ({original['MemorySize']} MB)")
            self._configure(MemorySize=original["MemorySize"], **restore_env)
        architecture = (original.get("Architectures") or ["x86_64"])[0]
        basis = architecture if architecture in self.plan.architectures else self.plan.architectures[0]
        plan = asdict(self.plan) | {
            "payload": self.plan.payload.decode("utf-8", "replace"),
            "cold_invocations": self.plan.cold_invocations,
        }
        return TuneResult(
            original["FunctionName"],
            architecture,
            plan,
            sizes,
            skipped,
            recommend(sizes, basis),
            citation(),
            started,
        )

    def _configure(self, **changes: Any) -> None:
        self.client.update_function_configuration(FunctionName=self.function, **changes)
        self._wait_updated()

    def _wait_updated(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.plan.update_timeout_s
        while True:
            config: dict[str, Any] = self.client.get_function_configuration(FunctionName=self.function)
            status, state = config.get("LastUpdateStatus", "Successful"), config.get("State", "Active")
            if "Failed" in (status, state):
                reason = (
                    config.get("LastUpdateStatusReason") or config.get("StateReason") or "no reason given"
                )
                raise SandboxError(f"Updating {self.function} failed: {reason}.")
            if (status, state) == ("Successful", "Active"):
                return config
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"{self.function} stayed {status}/{state} for {self.plan.update_timeout_s:.0f} s.",
                    fix=f"Check it with: aws lambda get-function-configuration --function-name {self.function}",
                )
            time.sleep(0.2)

    def _cold_invoke(self, env: dict[str, str]) -> Sample:
        # A changed configuration gets a new execution environment, so the next invoke is a cold start.
        self._configure(Environment={"Variables": {**env, NONCE_VARIABLE: uuid.uuid4().hex}})
        return self._invoke()

    def _invoke(self) -> Sample:
        try:
            response = self.client.invoke(
                FunctionName=self.function, Payload=self.plan.payload, LogType="Tail"
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") == "ResourceNotFoundException":
                raise
            return Sample(None, f"{error.get('Code', 'Error')}: {error.get('Message', '')}")
        log = base64.b64decode(response.get("LogResult") or "").decode("utf-8", "replace")
        if not response.get("FunctionError"):
            return Sample(parse_report(log))
        body = response["Payload"].read()
        try:
            detail = json.loads(body or b"{}")
            error = f"{detail.get('errorType', 'Error')}: {detail.get('errorMessage', '')}"
        except (ValueError, AttributeError):
            error = f"{response['FunctionError']}: {body[:200]!r}"
        return Sample(parse_report(log), error)
