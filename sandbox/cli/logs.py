from __future__ import annotations

import time

import click

from sandbox.core.config import Settings
from sandbox.core.errors import SandboxError
from sandbox.core.registry import REGISTRY
from sandbox.engines.embedded import tail


@click.command()
@click.argument("service", required=False, default="daemon")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("-n", "--lines", type=int, default=50, show_default=True)
def logs(service: str, follow: bool, lines: int) -> None:
    """Show a service's log (default: the daemon's)."""
    if service != "daemon" and service not in REGISTRY:
        raise SandboxError(
            f"No service named {service!r}.", fix=f"Choose from: daemon, {', '.join(REGISTRY)}."
        )
    path = Settings.from_env().logs_dir / f"{service}.log"
    if not path.exists():
        raise SandboxError(f"No log yet at {path}.", fix="Start the sandbox first: sandbox up")
    click.echo(tail(path, lines), nl=False)
    if not follow:
        return
    with open(path, errors="replace") as handle:
        handle.seek(0, 2)
        try:
            while True:
                line = handle.readline()
                if line:
                    click.echo(line, nl=False)
                else:
                    time.sleep(0.2)
        except KeyboardInterrupt:
            return
