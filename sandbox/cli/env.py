from __future__ import annotations

import click

from sandbox.cli.ui import err_console
from sandbox.core.config import Settings
from sandbox.engines import engine_for


def environment(settings: Settings) -> dict[str, str]:
    """What aws CLI, boto3 and terraform need to talk to the sandbox instead of AWS."""
    return {
        "AWS_ENDPOINT_URL": settings.url("aws"),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_REGION": settings.region,
        "SANDBOX_HOME": str(settings.home),
    }


def render(variables: dict[str, str], shell: str) -> str:
    lines = []
    for name, value in variables.items():
        quoted = value.replace("'", "'\"'\"'")
        if shell == "fish":
            lines.append(f"set -gx {name} '{quoted}';")
        elif shell == "powershell":
            lines.append(f'$Env:{name} = "{value}"')
        else:
            lines.append(f"export {name}='{quoted}'")
    return "\n".join(lines)


@click.command()
@click.option(
    "--shell", type=click.Choice(["bash", "zsh", "fish", "powershell"]), default="bash", show_default=True
)
def env(shell: str) -> None:
    """Print the environment that points your AWS tools at the sandbox.

    Use it as: eval "$(sandbox env)"
    """
    settings = Settings.from_env()
    if engine_for(settings).status(settings).state != "running":
        err_console.print("note: the sandbox is not running yet; start it with: sandbox up")
    click.echo(render(environment(settings), shell))
