"""The README's lab guides, run as a learner would type them, then graded by `sandbox lab check`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.scenarios.pytest_plugin import SessionSandbox

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
GUIDE = re.compile(
    r"<!-- guide:(?P<lab>[\d.]+) -->\s*```bash\n(?P<script>.*?)```\s*<!-- /guide -->", re.DOTALL
)


def guides() -> dict[str, str]:
    return {m["lab"]: m["script"] for m in GUIDE.finditer((ROOT / "README.md").read_text())}


def test_the_readme_has_guides() -> None:
    assert "2.1.1" in guides()


@pytest.mark.parametrize("lab", sorted(guides()))
def test_a_hand_built_lab_passes_its_grader(lab: str, sandbox: SessionSandbox) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | sandbox.env()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["NO_COLOR"] = "1"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", guides()[lab]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"guide {lab} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "score: " in done.stdout and "passed" in done.stdout
    score = re.search(r"score: (\d+)/(\d+)", done.stdout)
    assert score is not None and score[1] == score[2]
