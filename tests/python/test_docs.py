"""The Python code blocks of the guide pages run, in order, in one namespace
per page, so the guide stays true to the code."""

from __future__ import annotations

import os
import re

import pytest

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs")


@pytest.mark.parametrize("page,minimum", [("python.md", 5), ("segments.md", 1), ("consent.md", 1), ("ltv.md", 2)])
def test_guide_examples_run(page, minimum, monkeypatch):
    monkeypatch.chdir(os.path.join(DOCS, ".."))  # the pages read data files from the repository root
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) >= minimum, f"docs/{page} lost its examples"
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/{page} block {i + 1}", "exec"), namespace)  # noqa: S102
