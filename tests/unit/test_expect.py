from __future__ import annotations

from typing import Any

import pytest

from sandbox.scenarios.expect import check, match, query
from sandbox.scenarios.model import Expect
from sandbox.scenarios.observation import Observation

DOC = {"Items": [{"name": "a", "n": 3}, {"name": "b", "n": 5}], "Events": ["s3:ObjectCreated:*"], "ok": True}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.Items[0].name", "a"),
        ("$.Items[1].n", {"gte": 5, "lte": 5}),
        ("$.Items", {"length": 2}),
        ("$.Events", {"contains": "s3:ObjectCreated:*"}),
        ("$.Items", {"any": {"equals": {"name": "b", "n": 5}}}),
        ("$.Items[0].name", {"regex": "^[a-z]$"}),
        ("$.missing", {"exists": False}),
        ("$.ok", True),
        ("$.Items[0].n", 3.0),
        ("$.Items[0].name", {"not": "b"}),
    ],
)
def test_matchers_accept(path: str, expected: Any) -> None:
    assert match(query(DOC, path), expected) is None


@pytest.mark.parametrize(
    ("path", "expected", "says"),
    [
        ("$.Items[0].name", "b", 'expected "b", got "a"'),
        ("$.Items", {"length": 3}, "length 2, expected 3"),
        ("$.Events", {"contains": "s3:ObjectRemoved:*"}, "does not contain"),
        ("$.missing", "x", "nothing found"),
        ("$.Items[0].n", {"gt": 3}, "is not gt 3"),
        ("$.ok", 1, "expected 1, got true"),
        ("$.Items[0].name", {"exists": False}, "should not exist"),
    ],
)
def test_matchers_reject_with_a_reason(path: str, expected: Any, says: str) -> None:
    problem = match(query(DOC, path), expected)
    assert problem is not None and says in problem


def test_no_expectation_means_ok() -> None:
    failed = Observation(
        sent={}, ok=False, error="NoSuchBucket", message="The specified bucket does not exist"
    )
    assert check(failed, None) == ["it failed: NoSuchBucket: The specified bucket does not exist"]
    assert check(Observation(sent={}, ok=True), None) == []


def test_an_expected_error_turns_failure_into_success() -> None:
    failed = Observation(sent={}, ok=False, error="NoSuchBucket", status=404)
    assert check(failed, Expect(error="NoSuchBucket", status=404)) == []
    assert check(failed, Expect(error="AccessDenied")) == ["expected error AccessDenied, got NoSuchBucket"]
    assert check(Observation(sent={}, ok=True), Expect(error="NoSuchBucket")) == [
        "expected error NoSuchBucket, but it succeeded"
    ]


def test_json_only_expectations_still_require_success() -> None:
    failed = Observation(sent={}, ok=False, error="Boom", json={"a": 1})
    assert check(failed, Expect.model_validate({"json": {"$.a": 1}})) == ["it failed: Boom"]


def test_multi_match_paths_give_every_match() -> None:
    doc = {"events": [{"message": "START x"}, {"message": "REPORT y"}]}
    assert query(doc, "$.events[*].message") == ["START x", "REPORT y"]
    assert match(query(doc, "$.events[*].message"), {"regex": "^REPORT"}) is None
    assert match(query(doc, "$.events[*].message"), {"length": 2}) is None
    problem = match(query(doc, "$.events[*].message"), {"regex": "^END"})
    assert problem is not None and "no item does" in problem
    assert query({"events": []}, "$.events[*].message") == []
