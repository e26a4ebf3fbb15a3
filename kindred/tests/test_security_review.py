"""SECURITY.md stays true: bandit finds exactly the findings it lists and justifies, no more, no fewer."""

from __future__ import annotations

import collections
import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# A row of the findings table: | `kindred/…py` | B608 | 5 | why … |
ROW = re.compile(r"^\|\s*`(?P<file>kindred/[^`]+)`\s*\|\s*(?P<check>B\d{3})\b[^|]*\|\s*(?P<count>\d+)\s*\|", re.M)


def _justified() -> collections.Counter:
    text = (ROOT / "SECURITY.md").read_text()
    return collections.Counter({(m["file"], m["check"]): int(m["count"]) for m in ROW.finditer(text)})


def test_the_findings_table_is_read():
    justified = _justified()
    assert justified[("kindred/scale/generator.py", "B608")] >= 1
    assert all(count > 0 for count in justified.values())


@pytest.mark.skipif(shutil.which("bandit", path=str(pathlib.Path(sys.executable).parent)) is None, reason="no bandit")
def test_bandit_finds_exactly_what_security_md_justifies():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "kindred", "-x", "*/tests/*", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    found = collections.Counter((r["filename"], r["test_id"]) for r in json.loads(result.stdout)["results"])
    assert found == _justified(), "new or fixed bandit findings: fix them, or justify them in SECURITY.md"
