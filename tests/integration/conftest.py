from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.scenarios.pytest_plugin import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cli:
    """Runs the real `sandbox` command with its own state dir and port."""

    home: Path
    port: int

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SANDBOX_"))}
        env.update(SANDBOX_HOME=str(self.home), SANDBOX_AWS_PORT=str(self.port), NO_COLOR="1", COLUMNS="200")
        return env

    def __call__(
        self, *args: str, check: bool = False, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "sandbox", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"sandbox {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def record(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.home / "daemon.json").read_text())
        return data


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(home=tmp_path / "state", port=free_port())
    yield runner
    runner("down")
