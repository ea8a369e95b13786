from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str], Path]:
    """Write a scenario file under tmp/scenarios/ (relative paths in it resolve from tmp)."""

    def write(text: str, name: str = "9.9-test.yaml") -> Path:
        folder = tmp_path / "scenarios"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    return write


HEADER = """
id: "9.9"
slug: test
title: {ko: "시험", en: "test"}
objectives: {ko: ["시험"], en: ["test"]}
"""
