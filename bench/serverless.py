"""Serverless metrics: Lambda invokes, S3 → Lambda and API Gateway → Lambda, against one running server.

`run_suite` is called by run.py once a target is up (the sandbox or ministack; moto_server cannot execute a
Lambda function without Docker, so it is skipped). Everything goes to the server's loopback endpoint with
test credentials, every call has a timeout, and nothing is retried silently.

What is measured (all figures in ms unless stated):

* lambda_warm_invoke_{p50,p95}_ms_{128,1769}mb_{print,silent}: boto3 `invoke` round trips (payload read), 200
  per variant after 5 warm-ups, of a python3.12 handler that returns a small dict and prints one line
  (`print`) or nothing (`silent`), at MemorySize 128 and 1769;
* lambda_cold_start_ms: the first invoke after create_function (once the function is Active), median of 3
  fresh functions;
* s3_to_lambda_ms: put_object into a bucket whose notification targets a function, until the object the
  function writes into a second bucket answers head_object (polled every 5 ms); median of 5, after one
  untimed trigger that warms the function up (that one is reported as s3_to_lambda_first_ms);
* apigw_lambda_rps_{1,8}: 200 answers per second from a REST API's AWS_PROXY GET method, with 1 and 8 client
  threads (one requests.Session each) for a fixed time, at 128 MB (and at 1769 MB as `_1769mb`).

Extras that explain where the time goes: the REPORT line's Duration (when the server puts one in the
`LogType=Tail` log), the time boto3 spends before it sends an invoke, the plain HTTP round trip of the
server's health URL and how many of those 8 client threads manage per second (the client's own ceiling),
where the server logs one, its own time per request (the sandbox's aws.log ends each line in
`-> STATUS X.Xms`, measured from routing to the last byte handed to uvicorn), the CPU time per invoke or
request spent by the server's main process, by its children (the function environments) and by this client,
and, for S3 -> Lambda, when the handler started and how long its own put_object took (it prints both).
"""

from __future__ import annotations

import base64
import io
import math
import re
import statistics
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE_NAME = "bench"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
RUNTIME = "python3.12"
MEMORY_SIZES = (128, 1769)
HANDLER_KINDS = {"print": "app.talk", "silent": "app.silent"}

WARMUPS = 5
INVOKES = 200
TAIL_INVOKES = 50
COLD_FUNCTIONS = 3
TRIGGERS = 5
POLL_SECONDS = 0.005
TRIGGER_TIMEOUT = 15.0
ACTIVE_TIMEOUT = 30.0
HTTP_FLOOR_CALLS = 200
HTTP_FLOOR_RPS_SECONDS = 2.0
RPS_SECONDS = 5.0
RPS_WARMUP_SECONDS = 1.0
REQUEST_TIMEOUT = 10.0
PAYLOAD = b'{"bench": 1}'

MOTO_SKIP = (
    "skipped: moto_server cannot execute a Lambda function without Docker (its invoke needs Docker or "
    "returns a stub, and its API Gateway has no data plane in server mode)"
)

# (metric, unit, higher_is_better)
METRICS: tuple[tuple[str, str, bool], ...] = (
    *(
        (f"lambda_warm_invoke_{pct}_ms_{memory}mb_{kind}", "ms", False)
        for memory in MEMORY_SIZES
        for kind in HANDLER_KINDS
        for pct in ("p50", "p95")
    ),
    ("lambda_cold_start_ms", "ms", False),
    ("s3_to_lambda_ms", "ms", False),
    ("apigw_lambda_rps_1", "req/s", True),
    ("apigw_lambda_rps_8", "req/s", True),
    ("apigw_lambda_rps_1_1769mb", "req/s", True),
    ("apigw_lambda_rps_8_1769mb", "req/s", True),
    # Breakdown figures.
    *((f"lambda_report_duration_p50_ms_{memory}mb", "ms", False) for memory in MEMORY_SIZES),
    *((f"lambda_tail_invoke_p50_ms_{memory}mb", "ms", False) for memory in MEMORY_SIZES),
    ("lambda_client_presend_p50_ms", "ms", False),
    ("http_floor_p50_ms", "ms", False),
    ("http_floor_rps_8", "req/s", True),
    ("http_floor_cpu_ms_server", "ms", False),
    *((f"lambda_server_p50_ms_{memory}mb", "ms", False) for memory in MEMORY_SIZES),
    ("apigw_server_p50_ms_1", "ms", False),
    ("apigw_server_p50_ms_1_1769mb", "ms", False),
    *(
        (f"lambda_cpu_ms_per_invoke_{who}_{memory}mb", "ms", False)
        for memory in MEMORY_SIZES
        for who in ("server", "functions", "client")
    ),
    *(
        (f"apigw_cpu_ms_per_req_8_{who}{suffix}", "ms", False)
        for suffix in ("", "_1769mb")
        for who in ("server", "functions", "client")
    ),
    ("s3_to_lambda_dispatch_ms", "ms", False),
    ("s3_to_lambda_function_put_ms", "ms", False),
    ("lambda_first_invoke_ms", "ms", False),
    ("lambda_cold_init_duration_ms", "ms", False),
    ("s3_to_lambda_first_ms", "ms", False),
    ("s3_to_lambda_put_ms", "ms", False),
    ("apigw_lambda_p50_ms_1", "ms", False),
    ("apigw_lambda_p50_ms_1_1769mb", "ms", False),
)
HIGHER_IS_BETTER = {metric for metric, _, higher in METRICS if higher}

# The function code, shipped as one zip: three tiny handlers and an S3 copier.
APP_PY = """\
def silent(event, context):
    return {"ok": True, "answer": 42}


def talk(event, context):
    print("bench: invoked")
    return {"ok": True, "answer": 42}


def proxy(event, context):
    print("bench: request")
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hello"}
"""

TRIGGER_PY = """\
import os
import time

# The SDK finds the server through AWS_ENDPOINT_URL, which both the sandbox and ministack set for their
# functions. ministack runs Python functions on its own interpreter, which has botocore but not boto3.
try:
    import boto3

    _s3 = boto3.client("s3")
except ImportError:
    import botocore.session

    _s3 = botocore.session.get_session().create_client("s3")


def handler(event, context):
    started = time.time()
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        before = time.perf_counter()
        _s3.put_object(Bucket=os.environ["BENCH_DEST_BUCKET"], Key=key, Body=b"seen")
        put_ms = (time.perf_counter() - before) * 1000
        print(f"bench: key={key} start={started:.6f} put_ms={put_ms:.3f}")
    return {"copied": len(event["Records"])}
"""

_REPORT = re.compile(r"REPORT RequestId: \S+\s+Duration: (?P<duration>[\d.]+) ms")
_INIT = re.compile(r"Init Duration: (?P<init>[\d.]+) ms")
_TRIGGER_LINE = re.compile(r"bench: key=(?P<key>\S+) start=(?P<start>[\d.]+) put_ms=(?P<put>[\d.]+)")

# CPU seconds used so far by the server's main process and by its children (all of its process tree).
CpuProbe = Callable[[], tuple[float, float]]


class SuiteError(Exception):
    pass


class RequestLog:
    """A server's own per-request timings, read from its request log between two marks (byte offsets)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @property
    def available(self) -> bool:
        return self.path is not None and self.path.exists()

    def mark(self) -> int:
        return self.path.stat().st_size if self.path is not None and self.path.exists() else 0

    def timings(self, since: int, pattern: re.Pattern[str]) -> list[float]:
        if self.path is None or not self.path.exists():
            return []
        with open(self.path, "rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace")
        return [float(found["ms"]) for found in pattern.finditer(text)]


@dataclass
class SuiteResult:
    values: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # metric -> why it has no value
    failures: list[str] = field(default_factory=list)  # unexpected errors, one per part
    notes: list[str] = field(default_factory=list)


def skipped(reason: str) -> SuiteResult:
    return SuiteResult(reasons={metric: reason for metric, _, _ in METRICS})


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile, as run.py computes it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("app.py", APP_PY), ("trigger.py", TRIGGER_PY)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def client(service: str, endpoint: str, read_timeout: float = 30.0) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
        config=Config(
            retries={"total_max_attempts": 1},
            connect_timeout=5,
            read_timeout=read_timeout,
            s3={"addressing_style": "path"},
        ),
    )


class CpuMeter:
    """CPU used between two points by the server's main process, its children and this client process."""

    def __init__(self, probe: CpuProbe | None) -> None:
        self.probe = probe

    def mark(self) -> tuple[float, float, float] | None:
        if self.probe is None:
            return None
        server, children = self.probe()
        return server, children, time.process_time()

    def per_unit(self, since: tuple[float, float, float] | None, units: int) -> dict[str, float]:
        """ms of CPU per unit of work, as {"server", "functions", "client"}; empty without a probe."""
        now = self.mark()
        if since is None or now is None or units < 1:
            return {}
        names = ("server", "functions", "client")
        return {name: max(0.0, (b - a) * 1000 / units) for name, a, b in zip(names, since, now, strict=True)}


class Suite:
    def __init__(
        self,
        target: str,
        endpoint: str,
        health_url: str,
        log: Callable[[str], None],
        request_log: Path | None = None,
        cpu_probe: CpuProbe | None = None,
    ) -> None:
        self.target = target
        self.cpu = CpuMeter(cpu_probe)
        self.endpoint = endpoint
        self.health_url = health_url
        self.log = log
        self.request_log = RequestLog(request_log)
        self.result = SuiteResult()
        self.zip = code_zip()
        self.lam = client("lambda", endpoint)
        self.s3 = client("s3", endpoint)
        self.gateway = client("apigateway", endpoint)
        self._sent_at = 0.0
        self.lam.meta.events.register("before-send.lambda.Invoke", self._before_send)

    def _before_send(self, **_: Any) -> None:
        self._sent_at = time.perf_counter()

    # -- helpers ---------------------------------------------------------------------------------------
    def part(self, name: str, metrics: Sequence[str], step: Callable[[], None]) -> None:
        """Run one part; an error leaves its metrics empty with the error as their reason, and the suite
        goes on with the next part (run.py still exits non-zero)."""
        started = time.monotonic()
        try:
            step()
        except Exception as exc:
            reason = f"{name} failed: {type(exc).__name__}: {exc}"
            self.result.failures.append(reason)
            self.log(f"{self.target}: {reason}")
            for metric in metrics:
                if metric not in self.result.values:
                    self.result.reasons.setdefault(metric, reason)
        self.log(f"{self.target}: {name} done in {time.monotonic() - started:.1f} s")

    def create_function(
        self, name: str, handler: str, memory: int, environment: dict[str, str] | None = None
    ) -> str:
        kwargs: dict[str, Any] = {}
        if environment:
            kwargs["Environment"] = {"Variables": environment}
        arn: str = self.lam.create_function(
            FunctionName=name,
            Runtime=RUNTIME,
            Role=ROLE_ARN,
            Handler=handler,
            Code={"ZipFile": self.zip},
            MemorySize=memory,
            Timeout=30,
            **kwargs,
        )["FunctionArn"]
        deadline = time.monotonic() + ACTIVE_TIMEOUT
        while True:
            config = self.lam.get_function_configuration(FunctionName=name)
            state = config.get("State", "Active")
            if state == "Active" and config.get("LastUpdateStatus", "Successful") == "Successful":
                return arn
            if state == "Failed":
                raise SuiteError(f"{name} is Failed: {config.get('StateReason')}")
            if time.monotonic() >= deadline:
                raise SuiteError(f"{name} was not Active within {ACTIVE_TIMEOUT:.0f} s (State {state})")
            time.sleep(0.02)

    def invoke(self, name: str, tail: bool = False) -> tuple[float, float, str]:
        """(round-trip ms, ms spent in boto3 before sending, the tail log) of one successful invoke."""
        extra = {"LogType": "Tail"} if tail else {}
        started = time.perf_counter()
        response = self.lam.invoke(FunctionName=name, Payload=PAYLOAD, **extra)
        body = response["Payload"].read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.get("FunctionError") or response.get("StatusCode") != 200:
            raise SuiteError(f"invoke {name}: {response.get('FunctionError')} {body[:300]!r}")
        log = base64.b64decode(response.get("LogResult") or "").decode("utf-8", "replace")
        return elapsed, (self._sent_at - started) * 1000, log

    # -- the parts -------------------------------------------------------------------------------------
    def setup(self) -> None:
        iam = client("iam", self.endpoint)
        try:
            iam.create_role(
                RoleName=ROLE_NAME,
                AssumeRolePolicyDocument=(
                    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                    '{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
                ),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "EntityAlreadyExists":
                raise

    def http_floor(self) -> None:
        session = requests.Session()
        session.trust_env = False
        samples = []
        cpu = None
        for call in range(HTTP_FLOOR_CALLS + 10):
            if call == 10:
                cpu = self.cpu.mark()
            started = time.perf_counter()
            response = session.get(self.health_url, timeout=REQUEST_TIMEOUT)
            response.content  # noqa: B018 - read the body
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SuiteError(f"{self.health_url} answered {response.status_code}")
        session.close()
        self.result.values["http_floor_p50_ms"] = percentile(samples[10:], 50)
        server_cpu = self.cpu.per_unit(cpu, HTTP_FLOOR_CALLS).get("server")
        if server_cpu is not None:
            self.result.values["http_floor_cpu_ms_server"] = server_cpu
        # What 8 client threads of this process can do against a trivial URL: the ceiling of apigw_*_rps_8.
        self.result.values["http_floor_rps_8"] = load(self.health_url, 8, HTTP_FLOOR_RPS_SECONDS).rps

    def warm_invokes(self, memory: int, kind: str, invokes: int) -> None:
        name = f"bench-warm-{memory}-{kind}"
        self.create_function(name, HANDLER_KINDS[kind], memory)
        for attempt in range(WARMUPS):
            elapsed, _, _ = self.invoke(name)
            if attempt == 0 and "lambda_first_invoke_ms" not in self.result.values:
                self.result.values["lambda_first_invoke_ms"] = elapsed
        samples, presend = [], []
        mark, cpu = self.request_log.mark(), self.cpu.mark()
        for _ in range(invokes):
            elapsed, before, _ = self.invoke(name)
            samples.append(elapsed)
            presend.append(before)
        values = self.result.values
        if kind == "print":
            for who, ms in self.cpu.per_unit(cpu, invokes).items():
                values[f"lambda_cpu_ms_per_invoke_{who}_{memory}mb"] = ms
        if kind == "print":
            pattern = re.compile(
                rf"lambda POST /2015-03-31/functions/{re.escape(name)}/invocations -> 200 (?P<ms>[\d.]+)ms"
            )
            self._server_side(f"lambda_server_p50_ms_{memory}mb", mark, pattern)
        values[f"lambda_warm_invoke_p50_ms_{memory}mb_{kind}"] = percentile(samples, 50)
        values[f"lambda_warm_invoke_p95_ms_{memory}mb_{kind}"] = percentile(samples, 95)
        if memory == MEMORY_SIZES[-1] and kind == "print":
            values["lambda_client_presend_p50_ms"] = percentile(presend, 50)
        if kind == "print":
            self._report_durations(name, memory)

    def _server_side(self, metric: str, mark: int, pattern: re.Pattern[str]) -> None:
        if not self.request_log.available:
            self.result.reasons[metric] = f"{self.target} logs no time per request"
            return
        timings = self.request_log.timings(mark, pattern)
        if timings:
            self.result.values[metric] = percentile(timings, 50)
        else:
            self.result.reasons[metric] = "no timed request line found in the server's request log"

    def _report_durations(self, name: str, memory: int) -> None:
        """The REPORT line's Duration next to the round trip, from invokes with LogType=Tail."""
        trips, durations = [], []
        for _ in range(TAIL_INVOKES):
            elapsed, _, log = self.invoke(name, tail=True)
            trips.append(elapsed)
            found = _REPORT.search(log)
            if found:
                durations.append(float(found["duration"]))
        self.result.values[f"lambda_tail_invoke_p50_ms_{memory}mb"] = percentile(trips, 50)
        metric = f"lambda_report_duration_p50_ms_{memory}mb"
        if durations:
            self.result.values[metric] = percentile(durations, 50)
        else:
            self.result.reasons[metric] = "the LogType=Tail log carries no REPORT line"

    def cold_starts(self) -> None:
        trips, inits = [], []
        for index in range(COLD_FUNCTIONS):
            name = f"bench-cold-{index}"
            self.create_function(name, HANDLER_KINDS["print"], 128)
            elapsed, _, log = self.invoke(name, tail=True)
            trips.append(elapsed)
            found = _INIT.search(log)
            if found:
                inits.append(float(found["init"]))
        self.result.values["lambda_cold_start_ms"] = statistics.median(trips)
        if inits:
            self.result.values["lambda_cold_init_duration_ms"] = statistics.median(inits)
        else:
            self.result.reasons["lambda_cold_init_duration_ms"] = "no REPORT Init Duration in the Tail log"

    def s3_trigger(self) -> None:
        source, dest, name = "bench-trigger-src", "bench-trigger-dst", "bench-trigger"
        self.s3.create_bucket(Bucket=source)
        self.s3.create_bucket(Bucket=dest)
        arn = self.create_function(name, "trigger.handler", 128, {"BENCH_DEST_BUCKET": dest})
        self.lam.add_permission(
            FunctionName=name,
            StatementId="bench-s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn=f"arn:aws:s3:::{source}",
            SourceAccount=ACCOUNT,
        )
        self.s3.put_bucket_notification_configuration(
            Bucket=source,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {"Id": "bench", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )
        first, _, _ = self._trigger(source, dest, name, "first")
        self.result.values["s3_to_lambda_first_ms"] = first
        trips, puts, put_at = [], [], {}
        for index in range(TRIGGERS):
            key = f"warm-{index}"
            elapsed, put, put_at[key] = self._trigger(source, dest, name, key)
            trips.append(elapsed)
            puts.append(put)
        self.result.values["s3_to_lambda_ms"] = statistics.median(trips)
        self.result.values["s3_to_lambda_put_ms"] = statistics.median(puts)
        self._trigger_breakdown(name, put_at)

    def _trigger_breakdown(self, function: str, put_at: dict[str, float]) -> None:
        """From the handler's own log lines: put_object start -> handler start, and its own put_object."""
        metrics = ("s3_to_lambda_dispatch_ms", "s3_to_lambda_function_put_ms")
        logs = client("logs", self.endpoint)
        deadline = time.monotonic() + 3.0
        found: dict[str, tuple[float, float]] = {}
        while True:
            try:
                events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
            except ClientError:
                events = []
            for event in events:
                line = _TRIGGER_LINE.search(event.get("message", ""))
                if line and line["key"] in put_at:
                    found[line["key"]] = (float(line["start"]), float(line["put"]))
            if len(found) == len(put_at) or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        if not found:
            for metric in metrics:
                self.result.reasons[metric] = "the handler's log lines did not reach CloudWatch Logs"
            return
        dispatch = [(start - put_at[key]) * 1000 for key, (start, _) in found.items()]
        self.result.values[metrics[0]] = statistics.median(dispatch)
        self.result.values[metrics[1]] = statistics.median(put for _, put in found.values())

    def _trigger(self, source: str, dest: str, function: str, key: str) -> tuple[float, float, float]:
        """(ms until the function's object is visible, ms of the put_object call itself, its start as
        wall-clock time, which the handler's own clock can be compared with: same host)."""
        wall = time.time()
        started = time.perf_counter()
        self.s3.put_object(Bucket=source, Key=key, Body=b"trigger")
        put = (time.perf_counter() - started) * 1000
        deadline = started + TRIGGER_TIMEOUT
        while True:
            try:
                self.s3.head_object(Bucket=dest, Key=key)
                return (time.perf_counter() - started) * 1000, put, wall
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code not in ("404", "NoSuchKey", "NotFound"):
                    raise
            if time.perf_counter() >= deadline:
                raise SuiteError(
                    f"{dest}/{key} did not appear within {TRIGGER_TIMEOUT:.0f} s; "
                    f"function log: {self._function_log(function)!r}"
                )
            time.sleep(POLL_SECONDS)

    def _function_log(self, function: str) -> str:
        logs = client("logs", self.endpoint)
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}", limit=20)["events"]
        except (ClientError, BotoCoreError) as exc:
            return f"(no log: {exc})"
        return " | ".join(event["message"].strip() for event in events)[-600:]

    def api_gateway(self, memory: int, seconds: float) -> None:
        suffix = "" if memory == 128 else f"_{memory}mb"
        name = f"bench-api-{memory}"
        arn = self.create_function(name, "app.proxy", memory)
        api_id = self.gateway.create_rest_api(name=f"bench-{memory}")["id"]
        resources = self.gateway.get_resources(restApiId=api_id)["items"]
        root = next(item["id"] for item in resources if item["path"] == "/")
        resource = self.gateway.create_resource(restApiId=api_id, parentId=root, pathPart="hello")["id"]
        self.gateway.put_method(
            restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="NONE"
        )
        self.gateway.put_integration(
            restApiId=api_id,
            resourceId=resource,
            httpMethod="GET",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
        )
        self.lam.add_permission(
            FunctionName=name,
            StatementId="bench-apigw",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/GET/hello",
        )
        self.gateway.create_deployment(restApiId=api_id, stageName="bench")
        # Both servers accept LocalStack's path form of the invoke URL.
        url = f"{self.endpoint}/restapis/{api_id}/bench/_user_request_/hello"
        metrics = apigw_metrics(suffix)
        with requests.Session() as session:
            session.trust_env = False
            probe = session.get(url, timeout=REQUEST_TIMEOUT)
        if probe.status_code != 200 or probe.text != "hello":
            reason = (
                f"the AWS_PROXY invoke answered HTTP {probe.status_code} "
                f"{probe.text[:200]!r} instead of 200 'hello'"
            )
            self.log(f"{self.target}: {reason}")
            for metric in metrics:
                self.result.reasons[metric] = reason
            return
        load(url, 8, RPS_WARMUP_SECONDS)  # start the environments 8 clients need; not counted
        for threads in (1, 8):
            mark, cpu = self.request_log.mark(), self.cpu.mark()
            outcome = load(url, threads, seconds)
            if threads == 8:
                for who, ms in self.cpu.per_unit(cpu, outcome.ok).items():
                    self.result.values[f"apigw_cpu_ms_per_req_8_{who}{suffix}"] = ms
            if threads == 1:
                pattern = re.compile(
                    rf"execute-api GET /restapis/{re.escape(api_id)}/bench/_user_request_/hello "
                    rf"-> 200 (?P<ms>[\d.]+)ms"
                )
                self._server_side(f"apigw_server_p50_ms_1{suffix}", mark, pattern)
            self.result.values[f"apigw_lambda_rps_{threads}{suffix}"] = outcome.rps
            if threads == 1 and outcome.latencies:
                self.result.values[f"apigw_lambda_p50_ms_1{suffix}"] = percentile(outcome.latencies, 50)
            others = {key: count for key, count in outcome.statuses.items() if key != "200"}
            note = (
                f"API GW -> Lambda {memory} MB, {threads} thread(s): {outcome.ok} x 200 in "
                f"{outcome.elapsed:.2f} s"
            )
            if others:
                note += f"; not counted: {others}"
            self.result.notes.append(note)
            self.log(f"{self.target}: {note}")


@dataclass
class LoadOutcome:
    ok: int
    elapsed: float
    statuses: Counter[str]
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0


def load(url: str, threads: int, seconds: float) -> LoadOutcome:
    """GET `url` from `threads` threads (one Session each) for `seconds`; counts 200s only."""
    barrier = threading.Barrier(threads + 1)
    lock = threading.Lock()
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    finished: list[float] = []
    start = [0.0]

    def work() -> None:
        mine: Counter[str] = Counter()
        times: list[float] = []
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait(timeout=30)
            deadline = start[0] + seconds
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    response = session.get(url, timeout=REQUEST_TIMEOUT)
                    response.content  # noqa: B018 - read the body
                    status = str(response.status_code)
                except requests.RequestException as exc:
                    status = type(exc).__name__
                mine[status] += 1
                if status == "200":
                    times.append((time.perf_counter() - began) * 1000)
        with lock:
            statuses.update(mine)
            latencies.extend(times)
            finished.append(time.perf_counter())

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start[0] = time.perf_counter()
    barrier.wait(timeout=30)
    for worker in workers:
        worker.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    if any(worker.is_alive() for worker in workers):
        raise SuiteError(f"a load thread on {url} did not finish")
    elapsed = max(finished) - start[0] if finished else seconds
    return LoadOutcome(statuses["200"], elapsed, statuses, latencies)


def warm_metrics(memory: int, kind: str) -> list[str]:
    metrics = [f"lambda_warm_invoke_p50_ms_{memory}mb_{kind}", f"lambda_warm_invoke_p95_ms_{memory}mb_{kind}"]
    if kind == "print":
        metrics += [
            f"lambda_report_duration_p50_ms_{memory}mb",
            f"lambda_tail_invoke_p50_ms_{memory}mb",
            f"lambda_server_p50_ms_{memory}mb",
            *(f"lambda_cpu_ms_per_invoke_{who}_{memory}mb" for who in ("server", "functions", "client")),
        ]
        if memory == MEMORY_SIZES[-1]:
            metrics.append("lambda_client_presend_p50_ms")
    if (memory, kind) == (MEMORY_SIZES[0], "print"):
        metrics.append("lambda_first_invoke_ms")
    return metrics


def apigw_metrics(suffix: str) -> list[str]:
    return [
        f"apigw_lambda_rps_1{suffix}",
        f"apigw_lambda_rps_8{suffix}",
        f"apigw_lambda_p50_ms_1{suffix}",
        f"apigw_server_p50_ms_1{suffix}",
        *(f"apigw_cpu_ms_per_req_8_{who}{suffix}" for who in ("server", "functions", "client")),
    ]


def run_suite(
    target: str,
    endpoint: str,
    health_url: str,
    log: Callable[[str], None],
    *,
    invokes: int = INVOKES,
    rps_seconds: float = RPS_SECONDS,
    request_log: Path | None = None,
    cpu_probe: CpuProbe | None = None,
) -> SuiteResult:
    suite = Suite(target, endpoint, health_url, log, request_log, cpu_probe)
    all_metrics = [metric for metric, _, _ in METRICS]
    suite.part("IAM role", all_metrics, suite.setup)
    if suite.result.failures:
        return suite.result
    suite.part(
        "HTTP floor", ["http_floor_p50_ms", "http_floor_rps_8", "http_floor_cpu_ms_server"], suite.http_floor
    )
    for memory in MEMORY_SIZES:
        for kind in HANDLER_KINDS:
            suite.part(
                f"warm invokes {memory} MB {kind}",
                warm_metrics(memory, kind),
                partial(suite.warm_invokes, memory, kind, invokes),
            )
    suite.part("cold starts", ["lambda_cold_start_ms", "lambda_cold_init_duration_ms"], suite.cold_starts)
    suite.part(
        "S3 -> Lambda",
        [
            "s3_to_lambda_ms",
            "s3_to_lambda_first_ms",
            "s3_to_lambda_put_ms",
            "s3_to_lambda_dispatch_ms",
            "s3_to_lambda_function_put_ms",
        ],
        suite.s3_trigger,
    )
    for memory in MEMORY_SIZES:
        suffix = "" if memory == 128 else f"_{memory}mb"
        suite.part(
            f"API GW -> Lambda {memory} MB",
            apigw_metrics(suffix),
            partial(suite.api_gateway, memory, rps_seconds),
        )
    for metric in all_metrics:
        if metric not in suite.result.values:
            suite.result.reasons.setdefault(metric, "not measured")
    return suite.result
