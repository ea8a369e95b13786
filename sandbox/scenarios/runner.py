"""The one runner behind `sandbox lab run`, `sandbox lab check` and the pytest plugin.

run:   steps in order (stop at the first failure) → check (when the steps passed) → cleanup (always,
       every step, failures reported) → leak check (nothing named with the run id may remain).
check: only the check section, every item graded, for resources a learner built by hand.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sandbox.scenarios import expect as expectations
from sandbox.scenarios import report, steps
from sandbox.scenarios.context import Endpoints, InterpolationError, RunContext
from sandbox.scenarios.leaks import leftovers
from sandbox.scenarios.loader import LoadedScenario
from sandbox.scenarios.model import Expect, StepBase, Text
from sandbox.scenarios.observation import Observation


@dataclass
class StepResult:
    section: str  # steps | check | cleanup
    index: int
    title: str
    line: int
    passed: bool
    failures: list[str] = field(default_factory=list)
    observation: Observation | None = None
    attempts: int = 1
    seconds: float = 0.0
    hint: Text | None = None
    skipped: bool = False


@dataclass
class RunResult:
    loaded: LoadedScenario
    mode: str
    run_id: str
    results: list[StepResult]
    leaks: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.leaks and all(r.passed or r.skipped for r in self.results)

    @property
    def failed_steps(self) -> list[StepResult]:
        return [r for r in self.results if not r.passed and not r.skipped]

    def report(self, lang: str = "en") -> str:
        source = self.loaded.path.name if not self.loaded.path.is_absolute() else str(self.loaded.path)
        with contextlib.suppress(ValueError):
            source = str(self.loaded.path.relative_to(self.loaded.root))
        blocks = []
        for result in self.failed_steps:
            lines = [
                f"{source}:{result.line}: {result.section}[{result.index}] {result.title!r} failed"
                + (f" after {result.attempts} attempts" if result.attempts > 1 else "")
            ]
            secrets = report.secrets_in(result.observation.sent) if result.observation else set()
            lines += [f"  - {report.redact(failure, secrets)}" for failure in result.failures]
            if result.observation is not None:
                lines.append("  sent:")
                lines.append(report.indent(report.show(result.observation.sent, secrets)))
                lines.append("  came back:")
                lines.append(report.indent(report.show(result.observation.received(), secrets)))
            if result.hint is not None:
                lines.append(f"  hint: {result.hint.get(lang)}")
            blocks.append("\n".join(lines))
        if self.leaks:
            listed = "; ".join(f"{svc}: {', '.join(names)}" for svc, names in self.leaks.items())
            blocks.append(
                f"{source}: leak check: resources of run {self.run_id} remain after cleanup: {listed}"
            )
        return "\n\n".join(blocks)


StepCallback = Callable[[StepResult], None]


class Runner:
    def __init__(
        self,
        loaded: LoadedScenario,
        *,
        endpoints: Endpoints | None = None,
        variables: dict[str, Any] | None = None,
        on_step: StepCallback | None = None,
        run_id: str | None = None,
    ) -> None:
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.ctx = RunContext(root=loaded.root, endpoints=endpoints or Endpoints.from_env())
        if run_id:
            self.ctx.run_id = run_id
        self.overrides = variables or {}
        self.on_step = on_step or (lambda result: None)

    def _define_vars(self, results: list[StepResult]) -> bool:
        merged = {**self.scenario.vars, **self.overrides}
        try:
            self.ctx.define(merged)
        except InterpolationError as exc:
            results.append(StepResult("vars", 0, "vars", self.loaded.line_of(("vars",)), False, [str(exc)]))
            return False
        return True

    def run(self) -> RunResult:
        started = time.monotonic()
        results: list[StepResult] = []
        ok = self._define_vars(results)
        if ok:
            ok = self._section("steps", self.scenario.steps, results, stop_on_failure=True)
        if ok and self.scenario.check:
            self._section("check", self.scenario.check, results, stop_on_failure=False)
        self._section("cleanup", self.scenario.cleanup, results, stop_on_failure=False, cleanup=True)
        leaks = leftovers(self.ctx, list(self.scenario.needs))
        return RunResult(self.loaded, "run", self.ctx.run_id, results, leaks, time.monotonic() - started)

    def check(self) -> RunResult:
        started = time.monotonic()
        results: list[StepResult] = []
        missing = [name for name in self.scenario.check_inputs if name not in self.overrides]
        if missing:
            flags = " ".join(f"--var {name}=…" for name in missing)
            results.append(
                StepResult(
                    "check",
                    0,
                    "inputs",
                    self.loaded.line_of(("check_inputs",)),
                    False,
                    [f"this check grades resources you built; name them with {flags}"],
                )
            )
        elif self._define_vars(results):
            self._section("check", self.scenario.check, results, stop_on_failure=False)
        return RunResult(self.loaded, "check", self.ctx.run_id, results, {}, time.monotonic() - started)

    def _section(
        self,
        section: str,
        items: list[StepBase],
        results: list[StepResult],
        *,
        stop_on_failure: bool,
        cleanup: bool = False,
    ) -> bool:
        all_passed = True
        for index, step in enumerate(items):
            if not all_passed and stop_on_failure:
                skipped = StepResult(
                    section,
                    index,
                    step.title(),
                    self.loaded.line_of((section, index)),
                    passed=False,
                    skipped=True,
                )
                results.append(skipped)
                self.on_step(skipped)
                continue
            result = self._step(section, index, step, cleanup=cleanup)
            results.append(result)
            self.on_step(result)
            all_passed = all_passed and result.passed
        return all_passed

    def _step(self, section: str, index: int, step: StepBase, *, cleanup: bool) -> StepResult:
        kind = steps.get(step.kind)
        line = self.loaded.line_of((section, index))
        result = StepResult(section, index, step.title(), line, passed=False, hint=step.hint)
        started = time.monotonic()
        try:
            body = self._prepare(kind, step)
            expect = self._expectation(step)
        except (InterpolationError, ValidationError) as exc:
            if cleanup and isinstance(exc, InterpolationError) and exc.name in self._unsaved():
                # The step that would have saved it never ran, so there is nothing to clean up.
                result.passed, result.skipped = False, True
                return result
            result.failures = [str(exc)]
            return result
        deadline = started + (step.eventually.timeout if step.eventually else 0.0)
        while True:
            obs = self._observe(kind, body)
            failures = expectations.check(obs, expect)
            if cleanup and failures and _already_gone(obs, kind):
                failures = []
            if not failures:
                failures = self._save(step, obs)
            result.observation, result.failures = obs, failures
            if not failures or step.eventually is None or time.monotonic() >= deadline:
                break
            result.attempts += 1
            time.sleep(step.eventually.interval)
        result.passed = not result.failures
        result.seconds = time.monotonic() - started
        return result

    def _prepare(self, kind: steps.StepKind, step: StepBase) -> Any:
        raw = step.body
        dumped = raw.model_dump(by_alias=True) if hasattr(raw, "model_dump") else raw
        return TypeAdapter(kind.body).validate_python(self.ctx.interpolate(dumped))

    def _expectation(self, step: StepBase) -> Expect | None:
        if step.expect is None:
            return None
        return Expect.model_validate(
            self.ctx.interpolate(step.expect.model_dump(by_alias=True, exclude_none=True))
        )

    def _unsaved(self) -> set[str]:
        declared = {name for step in self.scenario.steps + self.scenario.check for name in (step.save or {})}
        return declared - set(self.ctx.values)

    def _observe(self, kind: steps.StepKind, body: Any) -> Observation:
        try:
            return kind.run(body, self.ctx)
        except Exception as exc:  # a step's own crash is that step's failure, never the runner's
            return Observation(
                sent={"step": kind.describe(body)}, ok=False, error=type(exc).__name__, message=str(exc)
            )

    def _save(self, step: StepBase, obs: Observation) -> list[str]:
        failures = []
        for name, source in (step.save or {}).items():
            if source.startswith("$"):
                try:
                    expectations.validate_path(source)
                    value = (
                        expectations.query(obs.json, source) if obs.json is not None else expectations.MISSING
                    )
                except expectations.InvalidPath as exc:
                    failures.append(f"save {name}: {exc}")
                    continue
            elif source in ("stdout", "stderr", "body", "status", "exit"):
                value = getattr(obs, source)
                value = value.strip() if isinstance(value, str) else value
            else:
                failures.append(
                    f"save {name}: {source!r} is neither a JSONPath ($…) nor stdout/stderr/body/status"
                )
                continue
            if value is expectations.MISSING or value is None:
                failures.append(f"save {name}: nothing at {source}")
            else:
                self.ctx.values[name] = value
        return failures


def _already_gone(obs: Observation, kind: steps.StepKind) -> bool:
    """Cleanup wants the resource gone: "it does not exist" is success there."""
    code = obs.error or ""
    return code.startswith("NoSuch") or code.endswith("NotFound") or code in kind.not_found_codes
