"""Step kinds: each is a module here that exposes `KIND`, a `StepKind`. The schema is built from the
registered kinds, so an unknown kind is a schema error with the list of known ones.

Later services add their kinds (kubectl, helm, es, browser…) by adding a module name to `KIND_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.scenarios.context import RunContext
    from sandbox.scenarios.observation import Observation

KIND_MODULES = ("aws", "http", "shell", "sleep")


@dataclass(frozen=True)
class StepKind:
    name: str
    body: Any  # the pydantic-validatable type of the step's body
    run: Callable[[Any, RunContext], Observation]
    describe: Callable[[Any], str]  # one line for progress output
    not_found_codes: tuple[str, ...] = ()  # errors that mean "already gone", tolerated in cleanup


_KINDS: dict[str, StepKind] = {}


def kinds() -> dict[str, StepKind]:
    if not _KINDS:
        for name in KIND_MODULES:
            kind: StepKind = importlib.import_module(f"sandbox.scenarios.steps.{name}").KIND
            _KINDS[kind.name] = kind
    return _KINDS


def get(name: str) -> StepKind:
    return kinds()[name]
