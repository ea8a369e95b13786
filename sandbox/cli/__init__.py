"""The `sandbox` command. Each command lives in its own module and is added here explicitly, so a broken
import fails loudly instead of turning into "No such command"."""

from __future__ import annotations

from typing import Any

import click

from sandbox.cli import down, env, lab, logs, reset, status, up, version
from sandbox.cli.ui import report_error
from sandbox.core.errors import SandboxError


class SandboxGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SandboxError as error:
            report_error(error)
            ctx.exit(error.exit_code)


@click.group(cls=SandboxGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """A local cloud for the course labs: AWS, Kubernetes and Elastic on your laptop, offline."""


for command in (up.up, down.down, status.status, env.env, logs.logs, reset.reset, lab.lab, version.version):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="sandbox")
