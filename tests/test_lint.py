"""The code stays lint-clean and formatted (ruff), and badges/, pdhub/ and workers/
type-check strictly (mypy --strict, with the settings in pyproject.toml)."""

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


def test_badges_pdhub_and_workers_pass_mypy_strict() -> None:
    result = run("mypy", "--strict", "badges", "pdhub", "workers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
