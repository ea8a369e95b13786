"""The `sandbox` command. Each command lives in its own module, listed here and imported only when it
runs, so `sandbox up` does not pay for the scenario engine. A command whose module fails to import fails
loudly (ImportError), never as "No such command"; a unit test imports them all."""

from __future__ import annotations

import importlib
from typing import Any

import click

from sandbox.cli.ui import report_error
from sandbox.core.errors import SandboxError

COMMANDS: dict[str, str] = {
    "up": "sandbox.cli.up:up",
    "down": "sandbox.cli.down:down",
    "status": "sandbox.cli.status:status",
    "env": "sandbox.cli.env:env",
    "logs": "sandbox.cli.logs:logs",
    "reset": "sandbox.cli.reset:reset",
    "lab": "sandbox.cli.lab:lab",
    "lambda": "sandbox.cli.lambda_:lambda_",
    "version": "sandbox.cli.version:version",
}


def load_command(name: str) -> click.Command:
    module_name, _, attr = COMMANDS[name].partition(":")
    command: click.Command = getattr(importlib.import_module(module_name), attr)
    return command


class SandboxGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SandboxError as error:
            report_error(error)
            ctx.exit(error.exit_code)


@click.group(cls=SandboxGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """A local cloud for the course labs: AWS, Kubernetes and Elastic on your laptop, offline."""


def main() -> None:
    cli(prog_name="sandbox")
