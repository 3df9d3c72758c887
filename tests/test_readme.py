"""The README's two commands are the ones CI and people actually run."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [block.strip() for block in blocks]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    run_command, test_command = readme_commands()[:2]
    assert "pdhub demo" in run_command
    assert "pytest" in test_command
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci_lines[-1] == test_command


def test_the_readme_links_only_to_files_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "../" not in readme
    targets = re.findall(r"\]\(([^)#:]+)\)", readme)
    assert "docs/architecture.md" in targets
    for target in targets:
        assert (ROOT / target).is_file(), target
