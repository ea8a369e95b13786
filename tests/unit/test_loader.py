from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.core.errors import ScenarioInvalid
from sandbox.scenarios.catalog import files
from sandbox.scenarios.loader import load
from tests.conftest import HEADER

Write = Callable[[str], Path]


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioInvalid) as caught:
        load(path)
    return caught.value.message


def test_a_valid_scenario_loads_with_positions(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - name: hi\n    shell: echo hi\n  - sleep: 10ms\n")
    loaded = load(path)
    assert [s.kind for s in loaded.scenario.steps] == ["shell", "sleep"]
    assert loaded.line_of(("steps", 1)) == 8
    assert loaded.scenario.steps[1].body == pytest.approx(0.01)


def test_a_typo_in_a_step_key_names_file_line_and_key(write_scenario: Write) -> None:
    path = write_scenario(
        HEADER + "steps:\n  - name: make a bucket\n    awz: {service: s3, op: list_buckets}\n"
    )
    message = error_of(path)
    assert re.match(
        r"^.*9\.9-test\.yaml:7:5: steps\[0\]: unknown step key 'awz' \(did you mean 'aws'\?\)", message
    )


def test_a_typo_inside_a_step_body_points_at_that_key(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - aws: {service: s3, opp: list_buckets}\n")
    message = error_of(path)
    assert ":6:" in message
    assert "steps[0].aws" in message
    assert "unknown key 'opp'" in message
    assert "op: Field required" in message or "aws.op" in message


def test_a_misspelt_expectation_is_rejected(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - shell: 'true'\n    expect: {exitcode: 0}\n")
    message = error_of(path)
    assert ":7:" in message
    assert "steps[0].expect" in message and "unknown key 'exitcode'" in message


def test_a_step_with_two_kinds_is_rejected(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - shell: 'true'\n    sleep: 1s\n")
    assert "exactly one kind" in error_of(path)


def test_a_step_without_a_kind_lists_the_known_kinds(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - name: nothing to do\n")
    message = error_of(path)
    assert "a step needs exactly one kind" in message and "aws" in message and "shell" in message


def test_titles_must_be_bilingual(write_scenario: Write) -> None:
    path = write_scenario(
        'id: "9.9"\nslug: t\ntitle: {en: only english}\nobjectives: {ko: [a], en: [a]}\nsteps: [{sleep: 1ms}]\n'
    )
    message = error_of(path)
    assert ":3:" in message and "title.ko: Field required" in message


def test_broken_yaml_reports_its_line(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - shell: [unclosed\n")
    message = error_of(path)
    assert "not valid YAML" in message
    assert re.search(r":\d+:\d+:", message)


def test_duplicate_keys_are_an_error_not_a_silent_override(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - shell: 'true'\n    name: a\n    name: b\n")
    message = error_of(path)
    assert ":8:5:" in message and "duplicate key 'name'" in message


def test_bad_durations_and_ids_say_what_is_expected(write_scenario: Write) -> None:
    text = HEADER.replace('"9.9"', '"lab one"') + "steps:\n  - sleep: soon\n"
    message = error_of(write_scenario(text))
    assert "id 'lab one' should look like" in message
    assert "'soon' is not a duration" in message


def test_force_is_only_for_deleting_buckets(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - aws: {service: s3, op: list_buckets, force: true}\n")
    assert "force: true empties a bucket" in error_of(path)


def test_check_inputs_need_defaults(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "check_inputs: [learner_bucket]\nsteps: [{sleep: 1ms}]\n")
    assert "check_inputs ['learner_bucket'] need a default in vars" in error_of(path)


def test_every_shipped_scenario_is_valid() -> None:
    shipped = files(Path(__file__).resolve().parents[2] / "scenarios")
    assert shipped, "no scenarios found"
    for path in shipped:
        loaded = load(path)
        assert loaded.scenario.title.ko and loaded.scenario.title.en
        assert path.name.startswith(loaded.scenario.id + "-")


def test_a_bad_jsonpath_is_a_schema_error_with_its_line(write_scenario: Write) -> None:
    path = write_scenario(HEADER + "steps:\n  - shell: 'echo {}'\n    expect: {json: {'$.a..[': 1}}\n")
    message = error_of(path)
    assert ":7:" in message and "is not a valid JSONPath" in message
