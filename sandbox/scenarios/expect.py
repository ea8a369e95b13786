"""Checking an observation against `expect:`. Each check returns failures as plain sentences."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from jsonpath_ng.ext import parse as jsonpath_parse

from sandbox.scenarios.model import Expect
from sandbox.scenarios.observation import Observation

MATCHER_KEYS = {"contains", "regex", "exists", "length", "gte", "lte", "gt", "lt", "equals", "not", "any"}


@functools.lru_cache(maxsize=512)
def compile_path(path: str) -> Any:
    return jsonpath_parse(path)


MISSING = object()


def is_multi(path: str) -> bool:
    """Paths with wildcards, recursive descent or filters stand for all their matches."""
    return "*" in path or ".." in path or "?(" in path


class InvalidPath(ValueError):
    pass


def validate_path(path: str) -> None:
    """Raise InvalidPath with a plain message when `path` is not JSONPath (references are checked later)."""
    if "${" in path:
        return
    try:
        compile_path(path)
    except Exception as exc:  # jsonpath-ng raises its parser's own errors, and some built-ins
        raise InvalidPath(
            f"{path!r} is not a valid JSONPath ({exc}); quote odd keys: $.items['2ab'][0]"
        ) from None


def query(data: Any, path: str) -> Any:
    """The value at a JSONPath, or MISSING. A multi-match path (`$.items[*].name`) gives the list of its
    matches (an empty list when none), so `length`, `contains` and `regex` (any item) apply to them all."""
    matches = compile_path(path).find(data)
    if is_multi(path):
        return [m.value for m in matches]
    return matches[0].value if matches else MISSING


def is_matcher(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= MATCHER_KEYS


def match(actual: Any, expected: Any) -> str | None:
    """None when `actual` satisfies `expected` (a literal or a matcher), else why not."""
    if not is_matcher(expected):
        if actual is MISSING:
            return f"nothing found, expected {_show(expected)}"
        return None if _equal(actual, expected) else f"expected {_show(expected)}, got {_show(actual)}"
    for op, want in expected.items():
        problem = _matcher(op, actual, want)
        if problem:
            return problem
    return None


def _matcher(op: str, actual: Any, want: Any) -> str | None:
    if op == "exists":
        present = actual is not MISSING
        return (
            None
            if present == bool(want)
            else ("missing" if want else f"should not exist, got {_show(actual)}")
        )
    if actual is MISSING:
        return f"nothing found (wanted {op}: {_show(want)})"
    if op == "equals":
        return None if _equal(actual, want) else f"expected {_show(want)}, got {_show(actual)}"
    if op == "not":
        return None if match(actual, want) is not None else f"expected not {_show(want)}, got {_show(actual)}"
    if op == "contains":
        if isinstance(actual, str):
            ok = str(want) in actual
        elif isinstance(actual, list | tuple):
            ok = any(
                _equal(item, want) or (is_matcher(want) and match(item, want) is None) for item in actual
            )
        elif isinstance(actual, dict):
            ok = want in actual
        else:
            ok = False
        return None if ok else f"{_show(actual)} does not contain {_show(want)}"
    if op == "any":
        if not isinstance(actual, list):
            return f"expected a list, got {_show(actual)}"
        return (
            None
            if any(match(item, want) is None for item in actual)
            else f"no item of {_show(actual)} matches"
        )
    if op == "regex":
        items = actual if isinstance(actual, list) else [actual]
        if any(re.search(str(want), _as_text(item)) for item in items):
            return None
        return f"{_show(actual)} does not match /{want}/" + (
            " (no item does)" if isinstance(actual, list) else ""
        )
    if op == "length":
        try:
            size = len(actual)
        except TypeError:
            return f"{_show(actual)} has no length"
        return (
            match(size, want)
            if is_matcher(want)
            else (None if size == want else f"length {size}, expected {want}")
        )
    comparisons = {
        "gte": lambda a, b: a >= b,
        "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "lt": lambda a, b: a < b,
    }
    try:
        ok = comparisons[op](float(actual), float(want))
    except (TypeError, ValueError):
        return f"{_show(actual)} is not a number (wanted {op} {want})"
    return None if ok else f"{_show(actual)} is not {op} {want}"


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected or (actual == expected and type(actual) is type(expected))
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return float(actual) == float(expected)
    return bool(actual == expected)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _show(value: Any, limit: int = 200) -> str:
    if value is MISSING:
        return "(nothing)"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check(obs: Observation, expect: Expect | None) -> list[str]:
    """All the ways `obs` misses `expect`. No `expect` means `ok: true`."""
    failures: list[str] = []
    expect = expect or Expect(ok=True)
    wants_failure = expect.error is not None or expect.ok is False
    explicit_outcome = (
        expect.ok is not None or wants_failure or expect.status is not None or expect.exit is not None
    )
    if not explicit_outcome and not obs.ok:
        failures.append(_failed(obs))
    if expect.ok is True and not obs.ok:
        failures.append(_failed(obs))
    if expect.ok is False and obs.ok:
        failures.append("expected a failure, but it succeeded")
    if expect.error is not None:
        if obs.ok and obs.error is None:
            failures.append(f"expected error {expect.error}, but it succeeded")
        elif obs.error != expect.error:
            failures.append(
                f"expected error {expect.error}, got {obs.error or 'no error code'}"
                + (f": {obs.message}" if obs.message else "")
            )
    if expect.status is not None and obs.status != expect.status:
        failures.append(f"expected status {expect.status}, got {obs.status}")
    if expect.exit is not None and obs.exit != expect.exit:
        failures.append(f"expected exit code {expect.exit}, got {obs.exit}")
    for name in ("stdout", "stderr", "body"):
        wanted = getattr(expect, name)
        if wanted is not None:
            actual = getattr(obs, name)
            if isinstance(actual, str) and isinstance(wanted, str):
                # `stdout: ok` matches what `echo ok` prints: the final newline is not part of the answer.
                actual, wanted = actual.rstrip("\n"), wanted.rstrip("\n")
            problem = match(actual if actual is not None else MISSING, wanted)
            if problem:
                failures.append(f"{name}: {problem}")
    for path, wanted in (expect.json_ or {}).items():
        try:
            validate_path(path)
            actual = query(obs.json, path) if obs.json is not None else MISSING
        except InvalidPath as exc:
            failures.append(str(exc))
            continue
        problem = match(actual, wanted)
        if problem:
            failures.append(f"{path}: {problem}")
    return failures


def _failed(obs: Observation) -> str:
    parts = [p for p in (obs.error, obs.message) if p]
    if obs.exit is not None:
        parts.append(f"exit code {obs.exit}")
    elif obs.status is not None and not parts:
        parts.append(f"status {obs.status}")
    return "it failed: " + (": ".join(parts) if parts else "no detail")
