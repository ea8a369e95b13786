"""The runner's semantics, with steps that need no cloud: shell, sleep and http against a local server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sandbox.scenarios.context import Endpoints
from sandbox.scenarios.loader import load
from sandbox.scenarios.runner import Runner, RunResult
from tests.conftest import HEADER

Write = Callable[[str], Path]
NO_CLOUD = Endpoints(aws=None)


def run(path: Path, **kwargs: object) -> RunResult:
    return Runner(load(path), endpoints=NO_CLOUD, **kwargs).run()  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"path": self.path, "key": self.headers.get("x-api-key")}).encode()
            status = 403 if self.path == "/secret" else 200
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_vars_saves_and_interpolation_flow_between_steps(write_scenario: Write) -> None:
    path = write_scenario(
        HEADER
        + """
vars:
  greeting: "hello-${run_id}"
  count: 3
steps:
  - shell: "echo ${greeting}"
    save: {said: stdout}
  - shell: "test '${said}' = 'hello-${run_id}' && echo $((${count} + 1))"
    expect: {stdout: {contains: "4"}}
"""
    )
    result = run(path, run_id="rtest1")
    assert result.passed, result.report()
    assert result.results[0].observation is not None
    assert result.results[0].observation.stdout == "hello-rtest1\n"


def test_a_whole_string_reference_keeps_its_type(write_scenario: Write, server: str) -> None:
    path = write_scenario(
        HEADER
        + f"""
vars: {{expected: 200}}
steps:
  - http: {{url: "{server}/x"}}
    expect: {{status: "${{expected}}", json: {{"$.path": "/x"}}}}
"""
    )
    result = run(path)
    assert result.passed, result.report()


def test_eventually_retries_until_the_expectation_holds(write_scenario: Write, tmp_path: Path) -> None:
    counter = tmp_path / "count"
    path = write_scenario(
        HEADER
        + f"""
steps:
  - eventually: {{timeout: 5s, interval: 10ms}}
    shell: "echo x >> {counter}; test $(wc -l < {counter}) -ge 3"
"""
    )
    result = run(path)
    assert result.passed, result.report()
    assert result.results[0].attempts == 3


def test_eventually_gives_up_with_the_last_observation(write_scenario: Write) -> None:
    path = write_scenario(
        HEADER
        + """
steps:
  - name: never true
    eventually: {timeout: 200ms, interval: 50ms}
    shell: "echo nope; exit 7"
    expect: {exit: 0}
"""
    )
    result = run(path)
    assert not result.passed
    failed = result.failed_steps[0]
    assert failed.attempts >= 3
    assert "expected exit code 0, got 7" in failed.failures
    report = result.report()
    assert "9.9-test.yaml:7: steps[0] 'never true' failed after" in report
    assert '"stdout": "nope\\n"' in report


def test_a_failure_skips_later_steps_but_cleanup_always_runs(write_scenario: Write, tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    path = write_scenario(
        HEADER
        + f"""
steps:
  - shell: "exit 1"
  - shell: "echo never"
cleanup:
  - shell: "touch {marker}"
  - name: a broken cleanup is reported, not swallowed
    shell: "exit 3"
  - shell: "echo still runs"
"""
    )
    result = run(path)
    assert not result.passed
    assert [r.skipped for r in result.results if r.section == "steps"] == [False, True]
    assert marker.exists()
    cleanup = [r for r in result.results if r.section == "cleanup"]
    assert [r.passed for r in cleanup] == [True, False, True]
    assert "a broken cleanup is reported" in result.report()


def test_cleanup_skips_steps_whose_saved_values_never_came(write_scenario: Write) -> None:
    path = write_scenario(
        HEADER
        + """
steps:
  - shell: "exit 1"
  - shell: "echo id-1"
    save: {thing_id: stdout}
cleanup:
  - shell: "echo deleting ${thing_id}"
  - shell: "echo ${typo_never_saved}"
"""
    )
    result = run(path)
    cleanup = [r for r in result.results if r.section == "cleanup"]
    assert cleanup[0].skipped and not cleanup[0].failures
    assert not cleanup[1].passed and "unknown variable ${typo_never_saved}" in cleanup[1].failures[0]


def test_an_unknown_variable_fails_the_step_and_names_the_known_ones(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "vars: {bucket: b}\nsteps:\n  - shell: 'echo ${buckett}'\n")
    result = run(path)
    message = result.failed_steps[0].failures[0]
    assert "unknown variable ${buckett}" in message and "bucket" in message


def test_env_references_read_the_environment(write_scenario: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_GREETING", "annyeong")
    path = write_scenario(
        HEADER + "steps:\n  - shell: 'echo ${env:LAB_GREETING}'\n    expect: {stdout: annyeong\n}\n"
    )
    assert run(path).passed


def test_http_status_json_matchers_and_secret_redaction(write_scenario: Write, server: str) -> None:
    path = write_scenario(
        HEADER
        + f"""
steps:
  - http: {{url: "{server}/secret", headers: {{x-api-key: "s3cr3t-value"}}}}
    expect: {{status: 403, json: {{"$.path": {{regex: "^/sec"}}}}}}
  - http: {{url: "{server}/secret", headers: {{x-api-key: "s3cr3t-value"}}}}
    expect: {{status: 200}}
"""
    )
    result = run(path)
    assert result.results[0].passed
    assert not result.results[1].passed
    report = result.report()
    assert "expected status 200, got 403" in report
    assert "s3cr3t-value" not in report
    assert '"x-api-key": "***"' in report


def test_check_mode_needs_its_inputs_and_grades_every_item(write_scenario: Write) -> None:
    path = write_scenario(
        HEADER
        + """
vars: {learner_file: /nonexistent}
check_inputs: [learner_file]
steps: [{sleep: 1ms}]
check:
  - name: the file exists
    shell: "test -e ${learner_file}"
    hint: {ko: "파일을 만드세요", en: "Create the file"}
  - name: always fine
    shell: "true"
"""
    )
    missing = Runner(load(path), endpoints=NO_CLOUD).check()
    assert not missing.passed
    assert "--var learner_file=" in missing.results[0].failures[0]

    graded = Runner(load(path), endpoints=NO_CLOUD, variables={"learner_file": "/nonexistent"}).check()
    assert [r.passed for r in graded.results] == [False, True]
    assert "hint: 파일을 만드세요" in graded.report("ko")
    assert "hint: Create the file" in graded.report("en")

    passing = Runner(load(path), endpoints=NO_CLOUD, variables={"learner_file": str(path)}).check()
    assert passing.passed


def test_run_mode_runs_the_grader_on_its_own_build(write_scenario: Write, tmp_path: Path) -> None:
    built = tmp_path / "built"
    path = write_scenario(
        HEADER
        + f"""
vars: {{learner_file: "{built}"}}
check_inputs: [learner_file]
steps:
  - shell: "touch {built}"
check:
  - shell: "test -e ${{learner_file}}"
"""
    )
    result = run(path)
    assert result.passed
    assert [r.section for r in result.results] == ["steps", "check"]


def test_a_step_that_crashes_is_a_step_failure(write_scenario: Write) -> None:
    path = write_scenario(
        HEADER + "steps:\n  - aws: {service: s3, op: put_object, params: {Body: {zip: missing/dir}}}\n"
    )
    result = run(path)
    assert not result.passed
    assert "nothing to zip at" in result.report()


def test_a_path_made_invalid_by_a_reference_fails_the_step_not_the_run(write_scenario: Write) -> None:
    path = write_scenario(
        HEADER
        + "vars: {key: 2abc}\nsteps:\n  - shell: 'echo {}'\n    expect: {json: {'$.items.${key}': 1}}\n"
    )
    result = run(path)
    assert not result.passed
    assert "is not a valid JSONPath" in result.failed_steps[0].failures[0]
