"""`sandbox up / status / env / down` through the real command, as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.integration.conftest import Cli

pytestmark = pytest.mark.integration


def test_up_status_env_down_leave_no_process(cli: Cli) -> None:
    up = cli("up", check=True)
    assert "The sandbox is up" in up.stdout and f"http://127.0.0.1:{cli.port}" in up.stdout

    record = cli.record()
    pid = int(record["pid"])  # type: ignore[call-overload]
    assert record["pgid"] == pid, "the daemon leads its own process group"

    status = cli("status", "--json", check=True)
    info = json.loads(status.stdout)
    assert info["state"] == "running" and info["services"][0]["status"] == "running"

    again = cli("up", check=True)
    assert "already running" in again.stdout

    env = cli("env", check=True).stdout
    assert f"export AWS_ENDPOINT_URL='http://127.0.0.1:{cli.port}'" in env
    assert "export AWS_ACCESS_KEY_ID='test'" in env
    fish = cli("env", "--shell", "fish", check=True).stdout
    assert f"set -gx AWS_ENDPOINT_URL 'http://127.0.0.1:{cli.port}';" in fish

    down = cli("down", check=True)
    assert "stopped" in down.stdout
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not [p for p in psutil.process_iter() if _in_group(p, pid)], "a process of the sandbox survived"

    assert cli("status").returncode == 3
    second = cli("down")
    assert second.returncode == 0 and "not running" in second.stdout


def test_a_busy_port_is_named_with_its_holder(cli: Cli) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", cli.port))
        holder.listen()
        done = cli("up")
    assert done.returncode == 4
    assert f"Port {cli.port} on 127.0.0.1 is already in use" in done.stderr
    assert f"pid {os.getpid()}" in done.stderr
    assert "SANDBOX_AWS_PORT=" in done.stderr


def test_status_detects_a_crashed_daemon(cli: Cli) -> None:
    cli("up", check=True)
    pid = int(cli.record()["pid"])  # type: ignore[call-overload]
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(5) if psutil.pid_exists(pid) else None
    time.sleep(0.1)
    status = cli("status")
    assert status.returncode == 3
    assert f"daemon (pid {pid}) has crashed" in status.stdout
    # A crashed sandbox can be started again straight away.
    assert "The sandbox is up" in cli("up", check=True).stdout


def test_a_daemon_that_dies_at_start_shows_its_log_tail(cli: Cli, tmp_path: Path) -> None:
    # A sitecustomize that kills only the daemon (its argv carries --services) before it serves.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nif '--services' in sys.argv:\n    print('boom: simulated start failure')\n    sys.exit(9)\n"
    )
    done = subprocess.run(
        [*_sandbox(), "up", "--timeout", "20"],
        env=cli.env | {"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "did not become healthy (it exited)" in done.stderr
    assert "boom: simulated start failure" in done.stderr
    assert "daemon.log" in done.stderr


def test_an_address_we_cannot_listen_on_is_a_plain_error(cli: Cli) -> None:
    env = cli.env | {"SANDBOX_HOST": "256.0.0.1"}
    done = subprocess.run([*_sandbox(), "up"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Cannot listen on 256.0.0.1" in done.stderr and "Traceback" not in done.stderr


def test_unknown_service_and_engine_are_plain_errors(cli: Cli) -> None:
    unknown = cli("up", "nosuch")
    assert unknown.returncode == 1 and "Unknown service: nosuch" in unknown.stderr
    no_docker = cli.env | {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    docker = subprocess.run(
        [*_sandbox(), "up", "--engine", "docker"], env=no_docker, capture_output=True, text=True, timeout=60
    )
    assert (
        docker.returncode == 1
        and "Docker is not reachable" in docker.stderr
        and "embedded engine" in docker.stderr
    )


def test_lab_run_and_a_malformed_scenario(cli: Cli, tmp_path: object) -> None:
    assert cli("lab", "run", "0.0").returncode == 3  # not running yet
    cli("up", check=True)
    ran = cli("lab", "run", "0.0")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "0.0 passed" in ran.stdout

    bad = cli.home.parent / "scenarios" / "9.9-bad.yaml"
    bad.parent.mkdir()
    bad.write_text(
        'id: "9.9"\nslug: bad\ntitle: {ko: 가, en: a}\nobjectives: {ko: [가], en: [a]}\n'
        "steps:\n  - aws: {service: s3, op: list_buckets}\n    expct: {ok: true}\n"
    )
    done = cli("lab", "run", str(bad))
    assert done.returncode == 5
    assert "9.9-bad.yaml:7:5: steps[0]: unknown step key 'expct' (did you mean 'expect'?)" in done.stderr


def test_lab_text_follows_the_language(cli: Cli) -> None:
    english = cli("lab", "list", "--json", check=True)
    assert json.loads(english.stdout)[0]["title"].startswith("Smoke test")
    korean = subprocess.run(
        [*_sandbox(), "lab", "show", "0.0"],
        env=cli.env | {"SANDBOX_LANG": "ko"},
        capture_output=True,
        text=True,
    )
    assert "스모크 테스트" in korean.stdout and "DynamoDB 테이블에 항목을 쓰고 읽는다" in korean.stdout


def _sandbox() -> list[str]:
    import sys

    return [sys.executable, "-m", "sandbox"]


def _in_group(proc: psutil.Process, pgid: int) -> bool:
    try:
        return os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE
    except (ProcessLookupError, psutil.Error):
        return False


def test_down_ends_the_lambda_workers_too(cli: Cli) -> None:
    import io
    import zipfile

    import boto3

    cli("up", check=True)
    kw = {"endpoint_url": f"http://127.0.0.1:{cli.port}", "region_name": "us-east-1",
          "aws_access_key_id": "test", "aws_secret_access_key": "test"}  # fmt: skip
    boto3.client("iam", **kw).create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return 1\n")
    lam = boto3.client("lambda", **kw)
    lam.create_function(FunctionName="f", Runtime="python3.12", Handler="app.handler",
                        Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": buffer.getvalue()})  # fmt: skip
    assert lam.invoke(FunctionName="f")["StatusCode"] == 200
    daemon = int(cli.record()["pid"])  # type: ignore[call-overload]
    workers = [p.pid for p in psutil.Process(daemon).children(recursive=True)]
    assert workers, "the invoke left a warm worker"
    cli("down", check=True)
    survivors = [
        pid for pid in workers if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
    ]
    assert not survivors
