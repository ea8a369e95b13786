from __future__ import annotations

import sys

import click

from sandbox.cli import options
from sandbox.cli.status import render_status
from sandbox.cli.ui import console, err_console
from sandbox.core.config import Settings
from sandbox.core.errors import SandboxError
from sandbox.core.registry import PROFILES, REGISTRY, resolve
from sandbox.engines import get_engine


@click.command()
@click.argument("services", nargs=-1)
@click.option("--profile", type=click.Choice(PROFILES), default=None, help="Start a named group of services.")
@options.engine
@click.option("--foreground", is_flag=True, help="Run in this terminal until Ctrl-C instead of detaching.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for health.")
def up(services: tuple[str, ...], profile: str | None, engine: str, foreground: bool, timeout: float) -> None:
    """Start the local cloud (all services, or the ones named) and wait until it is healthy."""
    try:
        specs = resolve(services, profile)
    except KeyError as exc:
        raise SandboxError(
            f"Unknown service: {exc.args[0]}.", fix=f"Choose from: {', '.join(REGISTRY)}."
        ) from None
    settings = Settings.from_env()
    if not settings.host.startswith("127.") and settings.host not in ("localhost", "::1"):
        err_console.print(
            f"[bold yellow]warning:[/] SANDBOX_HOST={settings.host} makes the sandbox reachable from other "
            "machines; it has no authentication. Unset it to stay on 127.0.0.1."
        )
    runner = get_engine(engine)
    if foreground:
        from sandbox.core import daemon
        from sandbox.core.ports import ensure_free

        for spec in specs:
            ensure_free(settings.host, settings.port(spec.name))
        console.print(
            f"sandbox: serving {', '.join(s.name for s in specs)} in the foreground; Ctrl-C stops it"
        )
        sys.exit(daemon.main(["--services", ",".join(s.name for s in specs), "--engine", engine]))

    with console.status("Starting the sandbox…", spinner="dots"):
        result = runner.up(settings, specs, timeout=timeout)
    if result.already_running:
        console.print(f"The sandbox is already running (pid {result.status.pid}).")
    else:
        console.print(f"[green]The sandbox is up[/] in {result.seconds:.2f} s.")
    render_status(result.status)
    console.print('Point your tools at it with: [bold]eval "$(sandbox env)"[/]')
