"""pytest collects `scenarios/*.yaml`: one test item per lab, run by the same runner as `sandbox lab run`.

The sandbox the items talk to: the one `AWS_ENDPOINT_URL` names, else the one running for this state dir,
else one this plugin starts for the session (its own state dir, a free port) and stops at the end.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.core.errors import ScenarioInvalid


@dataclass
class SessionSandbox:
    aws_url: str
    home: Path | None
    started_here: bool

    def env(self) -> dict[str, str]:
        """The variables `sandbox env` would print, for subprocesses of tests (aws CLI…)."""
        out = {
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_PAGER": "",
        }
        if self.home is not None:
            out["SANDBOX_HOME"] = str(self.home)
        return out


_SESSION: SessionSandbox | None = None
_SAVED_ENV: dict[str, str | None] = {}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def session_sandbox() -> SessionSandbox:
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    from sandbox.core.config import Settings
    from sandbox.core.registry import resolve
    from sandbox.engines.embedded import EmbeddedEngine

    if os.environ.get("AWS_ENDPOINT_URL"):
        _SESSION = SessionSandbox(os.environ["AWS_ENDPOINT_URL"], None, started_here=False)
        return _SESSION
    settings = Settings.from_env()
    engine = EmbeddedEngine()
    if "SANDBOX_HOME" in os.environ and engine.status(settings).state == "running":
        _SESSION = SessionSandbox(settings.url("aws"), settings.home, started_here=False)
        return _SESSION
    home = Path(tempfile.mkdtemp(prefix="sandbox-pytest-"))
    overrides = {"SANDBOX_HOME": str(home), "SANDBOX_AWS_PORT": str(free_port())}
    for name, value in overrides.items():
        _SAVED_ENV[name] = os.environ.get(name)
        os.environ[name] = value
    settings = Settings.from_env()
    engine.up(settings, resolve([], None), timeout=60)
    _SESSION = SessionSandbox(settings.url("aws"), home, started_here=True)
    return _SESSION


def pytest_sessionfinish(session: pytest.Session) -> None:
    global _SESSION
    if _SESSION is not None and _SESSION.started_here:
        from sandbox.core.config import Settings
        from sandbox.engines.embedded import EmbeddedEngine

        EmbeddedEngine().down(Settings.from_env())
    for name, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _SESSION = None


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SessionSandbox]:
    """A running sandbox for the test session (see the module docstring for which one)."""
    yield session_sandbox()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "scenarios":
        collector: pytest.Collector = ScenarioFile.from_parent(parent, path=file_path)
        return collector
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from sandbox.scenarios.loader import load

        try:
            loaded = load(self.path)
        except ScenarioInvalid as exc:
            yield InvalidScenario.from_parent(self, name=self.path.stem, message=exc.message)
            return
        yield ScenarioItem.from_parent(
            self, name=f"{loaded.scenario.id}-{loaded.scenario.slug}", loaded=loaded
        )


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def __init__(self, *, loaded: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.add_marker(pytest.mark.integration)

    def runtest(self) -> None:
        from sandbox.scenarios.context import Endpoints
        from sandbox.scenarios.runner import Runner

        box = session_sandbox()
        result = Runner(self.loaded, endpoints=Endpoints(aws=box.aws_url)).run()
        if not result.passed:
            raise ScenarioFailed(result.report("en"))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.loaded.scenario.id} {self.loaded.scenario.slug}"


class InvalidScenario(pytest.Item):
    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise ScenarioFailed(self.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"invalid scenario {self.path.name}"
