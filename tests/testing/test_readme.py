"""The README's example tests run, as a user would paste them into their own suite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"<!-- example-tests -->\n```python\n(.*?)```\n<!-- /example-tests -->", re.S)


def test_the_readme_examples_pass(pytester: pytest.Pytester,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMULATOR_URL", raising=False)
    found = BLOCK.search(README.read_text())
    assert found, "README.md lost its example-tests block"
    examples = found.group(1)
    pytester.makepyfile(test_readme_examples=examples)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q",
                                           "--emulator-now", "2026-01-05T09:00:00Z",
                                           timeout=120)
    result.assert_outcomes(passed=examples.count("\ndef test_"))
    assert examples.count("\ndef test_") == 4  # one per vendor
