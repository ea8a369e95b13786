from __future__ import annotations

import json
import time
from dataclasses import asdict

import click
from rich.table import Table

from sandbox.cli import options
from sandbox.cli.ui import console
from sandbox.core.config import Settings
from sandbox.core.errors import ExitCode
from sandbox.engines import engine_for
from sandbox.engines.base import Status
from sandbox.engines.embedded import daemon_log


def render_status(status: Status) -> None:
    table = Table(show_header=True, header_style="bold")
    table.add_column("service")
    table.add_column("status")
    table.add_column("endpoint")
    for service in status.services:
        colour = "green" if service.status == "running" else "red"
        table.add_row(service.name, f"[{colour}]{service.status}[/]", service.url)
    console.print(table)


@click.command()
@options.json_output
def status(as_json: bool) -> None:
    """Show whether the sandbox runs, and each service's health and endpoint.

    Exit code 0 when healthy, 3 when stopped or crashed, 1 when a service is unhealthy.
    """
    settings = Settings.from_env()
    current = engine_for(settings).status(settings)
    if as_json:
        click.echo(json.dumps(asdict(current), indent=2))
    elif current.state == "stopped":
        console.print("The sandbox is not running. Start it with: [bold]sandbox up[/]")
    elif current.state == "crashed":
        console.print(f"[red]The sandbox daemon (pid {current.pid}) has crashed.[/] Last lines of its log:")
        console.print(current.log_tail or "(empty)", markup=False)
        console.print(f"Full log: {daemon_log(settings)}. Start it again with: [bold]sandbox up[/]")
    else:
        uptime = time.time() - (current.started_at or time.time())
        console.print(
            f"The sandbox is running (engine {current.engine}, pid {current.pid}, up {uptime:.0f} s)."
        )
        render_status(current)
    if current.state != "running":
        raise SystemExit(ExitCode.NOT_RUNNING)
    if not current.healthy:
        raise SystemExit(ExitCode.FAILED)
