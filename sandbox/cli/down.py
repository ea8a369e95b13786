from __future__ import annotations

import click

from sandbox.cli.ui import console
from sandbox.core.config import Settings
from sandbox.engines import engine_for


@click.command()
def down() -> None:
    """Stop the local cloud and every process it started. Safe to run when nothing is running."""
    settings = Settings.from_env()
    result = engine_for(settings).down(settings)
    if not result.was_running:
        console.print("The sandbox is not running; nothing to stop.")
        return
    extra = f", {len(result.killed_pids)} had to be killed" if result.killed_pids else ""
    console.print(f"The sandbox is stopped ({len(result.stopped_pids)} process(es) ended{extra}).")
