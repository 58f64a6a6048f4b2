"""Every python example of docs/models.md, the model author's guide, runs (each block on its own)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "models.md"
BLOCKS = [(text[: m.start()].count("\n") + 2, m.group(1))
          for text in [GUIDE.read_text(encoding="utf-8")] for m in re.finditer(r"```python\n(.*?)```", text, re.S)]


def test_the_guide_has_an_example_for_each_part():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_an_example_of_the_guide_runs(line, code):
    exec(compile(code, f"{GUIDE}:{line}", "exec"), {"__name__": f"guide_line_{line}"})
