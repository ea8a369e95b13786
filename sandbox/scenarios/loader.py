"""YAML → `Scenario`, with every error reported as `file:line:col: where: what`.

PyYAML composes the document into nodes first; we build plain data from the nodes ourselves and remember
where each key and value stood, so a pydantic error location maps back to a line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sandbox.core.errors import ScenarioInvalid
from sandbox.scenarios.model import Scenario, UnknownKey, scenario_model

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    line: int
    col: int


@dataclass
class Positions:
    values: dict[Loc, Mark]
    keys: dict[Loc, Mark]

    def find(self, loc: Loc, key_of_value: bool = False) -> Mark:
        """The mark of the deepest known prefix of `loc` (missing keys point at their parent mapping)."""
        for end in range(len(loc), -1, -1):
            prefix = loc[:end]
            table = self.keys if key_of_value and end == len(loc) else self.values
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return Mark(1, 1)


@dataclass
class LoadedScenario:
    scenario: Scenario
    path: Path
    positions: Positions

    def line_of(self, loc: Loc) -> int:
        return self.positions.find(loc).line

    @property
    def root(self) -> Path:
        """Relative paths in a scenario (fixtures, files to zip) are resolved from the project root, the
        folder that holds `scenarios/`."""
        parent = self.path.parent
        return parent.parent if parent.name == "scenarios" else parent


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node: yaml.Node, loc: Loc, pos: Positions, loader: yaml.SafeLoader, source: str) -> Any:
    pos.values[loc] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool):
                raise _invalid(source, _mark(key_node), loc, "a mapping key must be a plain scalar")
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise _invalid(source, _mark(key_node), loc, f"duplicate key {key!r}")
            pos.keys[(*loc, key)] = _mark(key_node)
            out[key] = _build(value_node, (*loc, key), pos, loader, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), pos, loader, source) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def _where(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _invalid(source: str, mark: Mark, loc: Loc, message: str) -> ScenarioInvalid:
    return ScenarioInvalid(f"{source}:{mark.line}:{mark.col}: {_where(loc)}: {message}")


def parse(text: str, source: str) -> tuple[Any, Positions]:
    loader = yaml.SafeLoader(text)
    pos = Positions({}, {})
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioInvalid(f"{source}:1:1: the file is empty")
        return _build(node, (), pos, loader, source), pos
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ScenarioInvalid(f"{source}:{line}:{col}: not valid YAML: {exc.problem or exc}") from None
    finally:
        loader.dispose()


def load(path: Path | str) -> LoadedScenario:
    path = Path(path)
    source = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioInvalid(f"{source}: cannot read: {exc.strerror}") from None
    data, pos = parse(text, source)
    if not isinstance(data, dict):
        raise ScenarioInvalid(f"{source}:1:1: a scenario is a mapping with id, title, steps…")
    try:
        scenario = scenario_model().model_validate(data)
    except ValidationError as exc:
        raise ScenarioInvalid(_format(exc, pos, source)) from None
    return LoadedScenario(scenario, path, pos)


def _format(exc: ValidationError, pos: Positions, source: str) -> str:
    lines: list[tuple[int, int, str]] = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, UnknownKey):
            key_loc = (*loc, cause.key)
            mark = pos.keys.get(key_loc) or pos.find(loc)
            lines.append((mark.line, mark.col, f"{source}:{mark.line}:{mark.col}: {_where(loc)}: {cause}"))
            continue
        if error["type"] == "extra_forbidden":
            mark = pos.keys.get(loc) or pos.find(loc)
            message = f"unknown key {loc[-1]!r}"
            loc = loc[:-1]
        else:
            mark = pos.find(loc)
            message = error["msg"].removeprefix("Value error, ")
        lines.append((mark.line, mark.col, f"{source}:{mark.line}:{mark.col}: {_where(loc)}: {message}"))
    return "\n".join(dict.fromkeys(text for _, _, text in sorted(lines)))


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the union member's type name to the location ("str", "ShellCall", "function-after[…]").
    return isinstance(part, str) and (
        part[:1].isupper() or "[" in part or part in ("str", "int", "float", "list")
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
