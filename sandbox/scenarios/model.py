"""The scenario schema (see docs/SCENARIOS.md in shared docs). Steps are built from the step-kind registry."""

from __future__ import annotations

import difflib
import functools
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    field_validator,
    model_validator,
)

from sandbox.scenarios import steps as step_kinds
from sandbox.scenarios.durations import Duration


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Text(Strict):
    """Lab text is bilingual: both languages are required."""

    ko: str
    en: str

    def get(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


class TextList(Strict):
    ko: list[str]
    en: list[str]

    def get(self, lang: str) -> list[str]:
        return self.ko if lang == "ko" else self.en


class Eventually(Strict):
    timeout: Duration = 10.0
    interval: Duration = 0.2


# A number may also be written as a reference ("${expected_status}") resolved when the step runs.
Ref = Annotated[str, StringConstraints(pattern=r"^\$\{[^}]+\}$")]


class Expect(Strict):
    ok: bool | None = None
    error: str | None = None
    status: int | Ref | None = None
    json_: dict[str, Any] | None = Field(default=None, alias="json")
    exit: int | Ref | None = None
    stdout: Any = None
    stderr: Any = None
    body: Any = None

    @field_validator("json_")
    @classmethod
    def _paths_parse(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        from sandbox.scenarios.expect import validate_path

        for path in value or {}:
            validate_path(path)
        return value


STEP_COMMON = ("name", "eventually", "expect", "save", "hint")


class StepBase(Strict):
    name: str | None = None
    eventually: Eventually | None = None
    expect: Expect | None = None
    save: dict[str, str] | None = None
    hint: Text | None = None

    @field_validator("save")
    @classmethod
    def _save_paths_parse(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        from sandbox.scenarios.expect import validate_path

        for source in (value or {}).values():
            if source.startswith("$"):
                validate_path(source)
        return value

    @property
    def kind(self) -> str:
        for name in step_kinds.kinds():
            if getattr(self, name, None) is not None:
                return name
        raise AssertionError("validated step without a kind")

    @property
    def body(self) -> Any:
        return getattr(self, self.kind)

    def title(self) -> str:
        return self.name or step_kinds.get(self.kind).describe(self.body)

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a step is a mapping, e.g. {name: ..., aws: {...}}")
        known = step_kinds.kinds()
        present = [key for key in data if key in known]
        unknown = [key for key in data if key not in known and key not in STEP_COMMON]
        if unknown:
            key = unknown[0]
            choices = [*STEP_COMMON, *known]
            close = difflib.get_close_matches(str(key), choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UnknownKey(
                str(key), f"unknown step key {key!r}{hint}; a step has one of: {', '.join(known)}"
            )
        if not present:
            raise ValueError(f"a step needs exactly one kind: {', '.join(known)}")
        if len(present) > 1:
            raise ValueError(
                f"a step has exactly one kind, this one has {len(present)}: {', '.join(present)}"
            )
        return data


class UnknownKey(ValueError):
    """Carries the offending key so the loader can point at its line."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@functools.cache
def step_model() -> type[StepBase]:
    fields: dict[str, Any] = {name: (kind.body | None, None) for name, kind in step_kinds.kinds().items()}
    model: type[StepBase] = create_model("Step", __base__=StepBase, **fields)
    return model


_ID = re.compile(r"^\d+\.\d+(\.\d+)?$")


class Scenario(Strict):
    """A lab. The step lists are re-typed with the registered step kinds by `scenario_model()`."""

    id: str
    slug: str
    title: Text
    needs: list[Literal["aws", "kubernetes", "elastic"]] = Field(default_factory=list)
    objectives: TextList
    vars: dict[str, Any] = Field(default_factory=dict)
    check_inputs: list[str] = Field(default_factory=list)
    steps: list[StepBase] = Field(min_length=1)
    check: list[StepBase] = Field(default_factory=list)
    cleanup: list[StepBase] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"id {value!r} should look like '2.1.1' (part.lab[.exercise]) or '0.0'")
        return value

    @model_validator(mode="after")
    def _inputs_are_vars(self) -> Scenario:
        missing = [name for name in self.check_inputs if name not in self.vars]
        if missing:
            raise ValueError(f"check_inputs {missing} need a default in vars (used by `lab run`)")
        return self


@functools.cache
def scenario_model() -> type[Scenario]:
    step = step_model()
    model: type[Scenario] = create_model(
        "Scenario",
        __base__=Scenario,
        steps=(list[step], Field(min_length=1)),  # type: ignore[valid-type]
        check=(list[step], Field(default_factory=list)),  # type: ignore[valid-type]
        cleanup=(list[step], Field(default_factory=list)),  # type: ignore[valid-type]
    )
    return model
