"""`sleep:` steps: wait a fixed time (prefer `eventually:` on the step that checks the result)."""

from __future__ import annotations

import time

from sandbox.scenarios.context import RunContext
from sandbox.scenarios.durations import Duration
from sandbox.scenarios.observation import Observation
from sandbox.scenarios.steps import StepKind


def run(seconds: float, ctx: RunContext) -> Observation:
    time.sleep(seconds)
    return Observation(sent={"sleep": seconds}, ok=True)


KIND = StepKind(name="sleep", body=Duration, run=run, describe=lambda s: f"sleep {s:g} s")
