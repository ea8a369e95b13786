"""`shell:` steps: a command line run by bash in the project root, with the sandbox's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator

from sandbox.scenarios.context import RunContext
from sandbox.scenarios.durations import Duration
from sandbox.scenarios.model import Strict
from sandbox.scenarios.observation import Observation
from sandbox.scenarios.steps import StepKind


class ShellCall(Strict):
    cmd: str
    timeout: Duration = 120.0
    env: dict[str, str] = {}


def _from_string(value: Any) -> Any:
    return {"cmd": value} if isinstance(value, str) else value


ShellBody = Annotated[ShellCall, BeforeValidator(_from_string)]


def environment(ctx: RunContext, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # The project's own tools (aws, kubectl, helm from the venv) come first on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if ctx.endpoints.aws:
        env["AWS_ENDPOINT_URL"] = ctx.endpoints.aws
        env.setdefault("AWS_ACCESS_KEY_ID", "test")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    env.setdefault("AWS_DEFAULT_REGION", ctx.endpoints.region)
    env.setdefault("AWS_PAGER", "")
    env.update(extra)
    return env


def run(call: ShellCall, ctx: RunContext) -> Observation:
    sent = {"cmd": call.cmd}
    try:
        done = subprocess.run(
            ["bash", "-c", call.cmd],
            cwd=ctx.root,
            env=environment(ctx, call.env),
            capture_output=True,
            text=True,
            timeout=call.timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        return Observation(
            sent=sent,
            ok=False,
            error="Timeout",
            message=f"still running after {call.timeout:g} s",
            stdout=_text(exc.stdout),
        )
    return Observation(
        sent=sent,
        ok=done.returncode == 0,
        exit=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        json=_json_document(done.stdout),
    )


def _json_document(text: str) -> Any:
    """A command that prints JSON (`--json`, `--output json`) can be checked with `json:` paths."""
    stripped = text.strip()
    if stripped[:1] not in ("{", "["):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


KIND = StepKind(name="shell", body=ShellBody, run=run, describe=lambda c: f"$ {c.cmd}")
