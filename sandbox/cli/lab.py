from __future__ import annotations

import json
import os
from typing import Any

import click
from rich.table import Table

from sandbox.cli import options
from sandbox.cli.ui import console, lab_language
from sandbox.core.config import Settings
from sandbox.core.errors import ExitCode, SandboxError
from sandbox.scenarios import catalog
from sandbox.scenarios.loader import LoadedScenario
from sandbox.scenarios.runner import Runner, RunResult, StepResult


@click.group()
def lab() -> None:
    """List, show, run and grade the course labs."""


@lab.command("list")
@options.json_output
def list_labs(as_json: bool) -> None:
    """List the labs."""
    lang = lab_language()
    rows: list[dict[str, Any]] = []
    for path in catalog.files():
        try:
            loaded = catalog.load(path)
        except SandboxError as exc:
            rows.append(
                {
                    "id": path.stem.split("-", 1)[0],
                    "title": f"invalid: {exc.message}",
                    "needs": [],
                    "file": path.name,
                }
            )
            continue
        s = loaded.scenario
        rows.append({"id": s.id, "title": s.title.get(lang), "needs": list(s.needs), "file": path.name})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(header_style="bold")
    for column in ("id", "title", "needs"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["title"], ", ".join(row["needs"]))
    console.print(table)


@lab.command()
@click.argument("lab_id")
def show(lab_id: str) -> None:
    """Show a lab: its objectives, its steps and what the grader checks."""
    loaded = catalog.find(lab_id)
    s, lang = loaded.scenario, lab_language()
    console.print(f"[bold]{s.id} {s.title.get(lang)}[/]  ({loaded.path.name})")
    console.print("[bold]Objectives[/]")
    for objective in s.objectives.get(lang):
        console.print(f"  • {objective}")
    console.print("[bold]Steps[/]")
    for i, step in enumerate(s.steps, 1):
        console.print(f"  {i}. {step.title()}")
    if s.check:
        console.print("[bold]Graded by `sandbox lab check`[/]")
        for step in s.check:
            console.print(f"  ✓ {step.title()}" + (f"  — {step.hint.get(lang)}" if step.hint else ""))
        if s.check_inputs:
            console.print("  inputs: " + " ".join(f"--var {name}=…" for name in s.check_inputs))


def _require_target() -> None:
    if os.environ.get("AWS_ENDPOINT_URL"):
        return  # pointed elsewhere on purpose (another engine, or real AWS)
    from sandbox.engines.embedded import require_running

    require_running(Settings.from_env())


def _printer(lang: str) -> Any:
    def on_step(result: StepResult) -> None:
        if result.skipped:
            console.print(f"  [dim]- {result.section}[{result.index}] {result.title} (skipped)[/]")
            return
        mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
        tries = f", {result.attempts} tries" if result.attempts > 1 else ""
        console.print(
            f"  {mark} {result.section}[{result.index}] {result.title} [dim]({result.seconds:.2f} s{tries})[/]"
        )
        if not result.passed:
            for failure in result.failures:
                console.print(f"      {failure}", markup=False, soft_wrap=True)
            if result.hint:
                console.print(f"      hint: {result.hint.get(lang)}", markup=False)

    return on_step


def _finish(result: RunResult, lang: str, as_json: bool, verbose: bool = True) -> None:
    if as_json:
        click.echo(json.dumps(_as_json(result), indent=2, ensure_ascii=False, default=str))
    else:
        if not result.passed and verbose:
            console.print()
            console.print(result.report(lang), markup=False, soft_wrap=True)
        verdict = "[green]passed[/]" if result.passed else "[red]failed[/]"
        console.print(
            f"\n{result.loaded.scenario.id} {verdict} in {result.seconds:.2f} s (run id {result.run_id})"
        )
    if not result.passed:
        raise SystemExit(ExitCode.FAILED)


def _as_json(result: RunResult) -> dict[str, Any]:
    return {
        "id": result.loaded.scenario.id,
        "mode": result.mode,
        "passed": result.passed,
        "run_id": result.run_id,
        "leaks": result.leaks,
        "steps": [
            {
                "section": r.section,
                "index": r.index,
                "title": r.title,
                "passed": r.passed,
                "skipped": r.skipped,
                "failures": r.failures,
                "seconds": round(r.seconds, 4),
                "line": r.line,
            }
            for r in result.results
        ],
    }


@lab.command()
@click.argument("lab_id")
@options.variables
@options.json_output
def run(lab_id: str, var: tuple[str, ...], as_json: bool) -> None:
    """Run a lab end to end: its steps, its grader on what they built, and its cleanup."""
    loaded = _load(lab_id)
    _require_target()
    lang = lab_language()
    if not as_json:
        console.print(f"[bold]{loaded.scenario.id} {loaded.scenario.title.get(lang)}[/]")
    runner = Runner(loaded, variables=options.parse_vars(var), on_step=None if as_json else _printer(lang))
    _finish(runner.run(), lang, as_json)


@lab.command()
@click.argument("lab_id")
@options.variables
@options.json_output
@click.option("-v", "--verbose", is_flag=True, help="Also show what each failed check sent and got back.")
def check(lab_id: str, var: tuple[str, ...], as_json: bool, verbose: bool) -> None:
    """Grade what you built by hand for a lab (only its `check` assertions run)."""
    loaded = _load(lab_id)
    _require_target()
    lang = lab_language()
    if not loaded.scenario.check:
        raise SandboxError(f"Lab {loaded.scenario.id} has no check section to grade.")
    if not as_json:
        console.print(f"[bold]Grading {loaded.scenario.id} {loaded.scenario.title.get(lang)}[/]")
    result = Runner(
        loaded, variables=options.parse_vars(var), on_step=None if as_json else _printer(lang)
    ).check()
    if not as_json:
        graded = [r for r in result.results if r.section == "check" and r.title != "inputs"]
        console.print(f"\nscore: {sum(r.passed for r in graded)}/{len(loaded.scenario.check)}")
    _finish(result, lang, as_json, verbose)


def _load(lab_id: str) -> LoadedScenario:
    return catalog.find(lab_id)
