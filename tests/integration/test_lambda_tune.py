"""`sandbox lambda tune` against the session sandbox, with the lab's CPU-bound fixture function."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.scenarios.pytest_plugin import SessionSandbox
from tests.integration.lambda_helpers import client, create_function

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "2.1.2"
SIZES = [128, 512, 1769]


def tune(box: SessionSandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SANDBOX_"))}
    env.update(box.env(), NO_COLOR="1", COLUMNS="220")
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "lambda", "tune", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def cpu_bound(sandbox: SessionSandbox) -> str:
    source = (FIXTURES / "cpu_bound" / "app.py").read_text()
    return create_function(
        sandbox, source, MemorySize=256, Timeout=30, Environment={"Variables": {"KEEP": "me"}}
    )


def test_tune_prints_a_row_per_size_writes_the_report_and_restores_the_function(
    sandbox: SessionSandbox, cpu_bound: str, tmp_path: Path
) -> None:
    memory = ",".join(map(str, SIZES))
    payload = str(FIXTURES / "payload.json")
    done = tune(
        sandbox,
        cpu_bound,
        "--memory",
        memory,
        "--invocations",
        "3",
        "--payload",
        payload,
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = re.findall(r"^\W*(\d+) MB\W+(\d+)\W+([\d.]+)\W", done.stdout, re.MULTILINE)
    assert [int(size) for size, _, _ in rows] == SIZES, done.stdout
    assert all(errors == "0" for _, errors, _ in rows)
    averages = [float(avg) for _, _, avg in rows]
    assert averages == sorted(averages, reverse=True), f"CPU-bound code gets faster with memory: {averages}"
    assert averages[0] > 3 * averages[-1]
    for pick in ("cheapest", "fastest", "balanced"):
        assert re.search(rf"^\s+{pick}\s+\d+ MB$", done.stdout, re.MULTILINE), done.stdout
    assert "within 10% of the fastest" in done.stdout
    reports = [Path(p) for p in re.findall(r"^report: (\S+)$", done.stdout, re.MULTILINE)]
    assert reports and reports[0].parent == tmp_path and reports[0].suffix == ".html"
    assert "<svg" in reports[0].read_text()
    config = client(sandbox, "lambda").get_function_configuration(FunctionName=cpu_bound)
    assert config["MemorySize"] == 256 and config["Environment"]["Variables"] == {"KEEP": "me"}


def test_tune_json_with_cold_starts_reports_init_duration(
    sandbox: SessionSandbox, cpu_bound: str, tmp_path: Path
) -> None:
    args = ["--memory", "256,1024", "--invocations", "2", "--cold-starts", "--json", "--arch", "arm64"]
    done = tune(sandbox, cpu_bound, *args, "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert [s["memory_mb"] for s in result["sizes"]] == [256, 1024]
    for size in result["sizes"]:
        assert size["cold_starts"] == 2 and size["init_avg_ms"] > 0 and size["cold_avg_ms"] > 0
        assert list(size["costs"]) == ["arm64"] and size["costs"]["arm64"]["per_million"] > 0.2
    assert result["sizes"][0]["avg_ms"] > result["sizes"][1]["avg_ms"]
    assert result["prices"]["as_of"] and Path(result["reports"]["html"]).exists()
    config = client(sandbox, "lambda").get_function_configuration(FunctionName=cpu_bound)
    assert config["Environment"]["Variables"] == {"KEEP": "me"}, "the nonce variable is gone again"


def test_an_unknown_function_is_a_clear_error(sandbox: SessionSandbox) -> None:
    done = tune(sandbox, "no-such-function", "--memory", "128")
    assert done.returncode == 1
    assert "error: Function not found: no-such-function." in done.stderr
    assert "fix:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("memory", ["64", "128,big", "99999"])
def test_a_bad_memory_value_is_a_usage_error(sandbox: SessionSandbox, memory: str) -> None:
    done = tune(sandbox, "whatever", "--memory", memory)
    assert done.returncode == 2
    assert "Invalid value for '--memory'" in done.stderr


def test_lambda_stats_counts_cold_starts(sandbox: SessionSandbox) -> None:
    name = create_function(sandbox, "def handler(e, c):\n    return 1\n")
    for _ in range(3):
        client(sandbox, "lambda").invoke(FunctionName=name, Payload=b"{}")
    env = {**os.environ, **sandbox.env(), "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "sandbox", "lambda", "stats", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    counters = next(v for k, v in json.loads(done.stdout).items() if k.endswith(f":function:{name}"))
    assert counters["invocations"] == 3 and counters["cold_starts"] == 1 and counters["idle"] == 1
    table = subprocess.run([sys.executable, "-m", "sandbox", "lambda", "stats"], env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert name in table.stdout and "cold starts" in table.stdout
