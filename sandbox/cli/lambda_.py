from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError
from rich.markup import escape
from rich.table import Table

from sandbox.cli import options
from sandbox.cli.ui import console, err_console
from sandbox.core.config import Settings
from sandbox.core.errors import NotRunning, SandboxError
from sandbox.cost import chart
from sandbox.cost.prices import parse_architectures
from sandbox.cost.tuning import Plan, Tuner, TuneResult, parse_memory_sizes
from sandbox.scenarios.context import Endpoints

DEFAULT_SIZES = "128,256,512,1024,1769,3008"


@click.group("lambda")
def lambda_() -> None:
    """Work with the sandbox's Lambda functions."""


def _sizes(_ctx: click.Context, _param: click.Parameter, value: str) -> list[int]:
    try:
        return parse_memory_sizes(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _architectures(_ctx: click.Context, _param: click.Parameter, value: str) -> list[str]:
    try:
        return parse_architectures(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _payload(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> bytes:
    if value is None:
        return b"{}"
    text = value.read_text(encoding="utf-8")
    try:
        json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"{value} is not valid JSON: {exc}") from exc
    return text.encode()


@lambda_.command()
@click.argument("function")
@click.option(
    "--memory",
    "memory_sizes",
    default=DEFAULT_SIZES,
    show_default=True,
    callback=_sizes,
    metavar="MB,MB,…",
    help="Memory sizes to try, comma-separated (128–10240).",
)
@click.option(
    "--invocations",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="Warm invocations measured per memory size (after one discarded warm-up).",
)
@click.option(
    "--payload",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_payload,
    help="JSON file sent as the event.  [default: {}]",
)
@click.option(
    "--arch",
    "architectures",
    default="x86_64,arm64",
    show_default=True,
    callback=_architectures,
    metavar="ARCH,ARCH",
    help="Architectures to price the measured durations at.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the HTML report goes.  [default: $SANDBOX_HOME/tuning, i.e. ./.sandbox/tuning]",
)
@click.option(
    "--cold-starts",
    is_flag=True,
    help="Also force min(N, 5) fresh environments per size and report their average Init Duration.",
)
@options.json_output
def tune(
    function: str,
    memory_sizes: list[int],
    invocations: int,
    payload: bytes,
    architectures: list[str],
    out: Path | None,
    cold_starts: bool,
    as_json: bool,
) -> None:
    """Find the memory size that makes FUNCTION cheapest, fastest, or both.

    For each size: set it, invoke once to warm up, then invoke N times and read Duration and Billed
    Duration from each REPORT line. Prints a table, the cheapest, fastest and balanced sizes (balanced: the
    cheapest size within 10% of the fastest's average duration), and writes an HTML report with charts. The
    function's original configuration is restored at the end.

    --cold-starts compares init costs, e.g. heavy top-level imports against imports inside the handler: it
    changes the SANDBOX_TUNE_NONCE environment variable before each cold invocation so that a fresh
    environment starts. It measures on-demand cold starts: environments kept warm by provisioned concurrency
    show no Init Duration.
    """
    endpoints = Endpoints.from_env()
    plan = Plan(memory_sizes, invocations, payload, architectures, cold_starts)
    say = None if as_json else (lambda message: err_console.print(f"[dim]{message}[/]"))
    with _aws_errors(function, endpoints):
        result = Tuner(_lambda_client(endpoints), function, plan, say).run()
    out_dir = out or Settings.from_env().home / "tuning"
    written = chart.write_reports(result, out_dir)
    result.reports = {kind: str(path) for kind, path in written.items()}
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    _print(result)
    for path in written.values():
        console.print(f"report: {path}", soft_wrap=True)


def _lambda_client(endpoints: Endpoints) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    keys = {} if session.get_credentials() else {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    # Invokes may run up to a function's 15-minute limit; retries would skew the measurements.
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=910)
    return session.client(
        "lambda", region_name=endpoints.region, endpoint_url=endpoints.aws, config=config, **keys
    )


@contextlib.contextmanager
def _aws_errors(function: str, endpoints: Endpoints) -> Iterator[None]:
    """Turn what boto3 raises into a sentence and a fix."""
    try:
        yield
    except (EndpointConnectionError, ConnectionClosedError) as exc:
        where = endpoints.aws or "AWS"
        fix = "Start it with: sandbox up"
        if "AWS_ENDPOINT_URL" in os.environ:
            fix += f", or check AWS_ENDPOINT_URL (now {where})"
        raise NotRunning(f"The sandbox is not reachable at {where}.", fix=fix) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ResourceNotFoundException":
            raise SandboxError(
                f"Function not found: {function}.",
                fix="List your functions with: aws lambda list-functions --query 'Functions[].FunctionName'",
            ) from exc
        operation = getattr(exc, "operation_name", "the call")
        raise SandboxError(
            f"Lambda refused {operation}: {error.get('Code')}: {error.get('Message')}",
            fix="Check the function's configuration with: aws lambda get-function-configuration "
            f"--function-name {function}",
        ) from exc


def _print(result: TuneResult) -> None:
    architectures: list[str] = list(result.plan["architectures"])
    rec = result.recommendations
    picks = {"cheapest": rec.cheapest, "fastest": rec.fastest, "balanced": rec.balanced}
    cold = any(s.cold_starts for s in result.sizes)
    table = Table(title=f"{result.function}: {result.plan['invocations']} warm invocations per size")
    for column in ("memory", "errors", "avg ms", "p50 ms", "p95 ms", "billed ms", "max mem"):
        table.add_column(column, justify="right")
    if cold:
        table.add_column("cold: init ms", justify="right")
        table.add_column("cold: ms", justify="right")
    for arch in architectures:
        table.add_column(f"$/1M {arch}", justify="right")
    table.add_column("recommended")
    for s in result.sizes:
        row = [f"{s.memory_mb} MB", str(s.errors), f"{s.avg_ms:.1f}", f"{s.p50_ms:.1f}", f"{s.p95_ms:.1f}"]
        row += [f"{s.avg_billed_ms:.1f}", f"{s.max_memory_used_mb} MB"]
        if cold:
            row += [f"{v:.1f}" if v is not None else "–" for v in (s.init_avg_ms, s.cold_avg_ms)]
        row += [f"{s.costs[arch].per_million:.4f}" for arch in architectures]
        row.append(", ".join(name for name, size in picks.items() if size == s.memory_mb))
        table.add_row(*row, style="red" if s.errors else None)
    console.print(table)
    for size, why in result.skipped.items():
        console.print(f"[red]{size} MB: no measurement[/] ({escape(why)})", soft_wrap=True)
    for s in result.sizes:
        if s.first_error:
            console.print(
                f"[red]{s.memory_mb} MB: {s.errors} errors[/], e.g. {escape(s.first_error)}", soft_wrap=True
            )
    if rec.cheapest is None:
        console.print("[red]No recommendation: every memory size had errors.[/]")
    else:
        console.print(f"Recommended, by {rec.architecture} prices:")
        for name, pick in picks.items():
            console.print(f"  {name:<9} {pick} MB")
        console.print(f"  ({rec.rule}; sizes with errors are never recommended)", soft_wrap=True)
    console.print(f"[dim]Prices: {result.prices['note']}.[/]", soft_wrap=True)
    if len(architectures) > 1:
        console.print(
            "[dim]Durations are measured once and priced per architecture: the sandbox runs functions on "
            "this machine's CPU.[/]",
            soft_wrap=True,
        )


@lambda_.command()
@options.json_output
def stats(as_json: bool) -> None:
    """Show each function's execution environments and counters (invocations, cold starts, errors…)."""
    import urllib.error
    import urllib.request

    from sandbox.engines.embedded import require_running

    status = require_running(Settings.from_env())
    url = next((s.url for s in status.services if s.name == "aws"), Settings.from_env().url("aws"))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_sandbox/lambda", timeout=5) as response:
            functions: dict[str, Any] = json.loads(response.read())["functions"]
    except (OSError, ValueError, KeyError) as exc:
        raise SandboxError(
            f"Could not read the Lambda runtime's state from {url}: {exc}.", fix="See: sandbox logs aws"
        ) from None
    if as_json:
        click.echo(json.dumps(functions, indent=2))
        return
    if not functions:
        console.print("No function has run yet.")
        return
    table = Table(header_style="bold")
    columns = ("invocations", "cold_starts", "errors", "throttles", "timeouts", "idle", "busy", "provisioned")
    table.add_column("function")
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for arn, counters in sorted(functions.items()):
        table.add_row(arn.rsplit(":", 1)[-1], *(str(counters.get(column, 0)) for column in columns))
    console.print(table)
    console.print("idle/busy/provisioned: execution environments kept warm now; a cold start made a new one.")
