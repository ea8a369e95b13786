"""Options used by more than one command, defined once."""

from __future__ import annotations

import click

from sandbox.engines import ENGINES

json_output = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")

engine = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="embedded",
    show_default=True,
    envvar="SANDBOX_ENGINE",
    help="What serves the cloud: our embedded daemon, or containers.",
)


def parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--var")
        out[name] = value
    return out


variables = click.option(
    "--var",
    "var",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a scenario variable (repeatable), e.g. --var learner_bucket=my-bucket.",
)
