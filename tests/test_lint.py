"""The code stays lint-clean and formatted (ruff), and badges/ type-checks strictly."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_ruff_finds_no_lint_problems() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_has_nothing_to_change() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_badges_library_passes_mypy_strict() -> None:
    result = run("mypy", "badges")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
