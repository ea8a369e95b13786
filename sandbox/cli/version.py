from __future__ import annotations

import platform

import click

from sandbox import __version__


@click.command()
def version() -> None:
    """Print the sandbox version."""
    click.echo(f"sandbox {__version__} (Python {platform.python_version()})")
