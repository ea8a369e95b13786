"""Finding the lab files: `SANDBOX_SCENARIOS`, else ./scenarios, else the ones beside this package."""

from __future__ import annotations

import os
from pathlib import Path

from sandbox.core.errors import SandboxError
from sandbox.scenarios.loader import LoadedScenario, load


def scenarios_dir() -> Path:
    configured = os.environ.get("SANDBOX_SCENARIOS")
    if configured:
        return Path(configured)
    local = Path.cwd() / "scenarios"
    if local.is_dir() and any(local.glob("*.yaml")):
        return local
    return Path(__file__).resolve().parents[2] / "scenarios"


def files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or scenarios_dir()).glob("*.yaml"), key=_order)


def _order(path: Path) -> tuple[int, ...]:
    head = path.name.split("-", 1)[0]
    try:
        return tuple(int(part) for part in head.split("."))
    except ValueError:
        return (999,)


def find(lab_id: str, directory: Path | None = None) -> LoadedScenario:
    """By id ('2.1.1'), by file name prefix ('2.1.1-lambda-event-trigger'), or by path."""
    as_path = Path(lab_id)
    if as_path.suffix in (".yaml", ".yml") and as_path.exists():
        return load(as_path)
    candidates = files(directory)
    for path in candidates:
        stem = path.stem
        if stem == lab_id or stem.split("-", 1)[0] == lab_id:
            return load(path)
    known = ", ".join(p.stem.split("-", 1)[0] for p in candidates) or "none found"
    raise SandboxError(f"No lab {lab_id!r}.", fix=f"See `sandbox lab list`; known ids: {known}.")
