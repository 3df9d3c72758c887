"""The architecture keeps its shape: import direction; migrations match the models."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from pdhub.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def violations(root: Path, package: str, forbidden: tuple[str, ...]) -> list[str]:
    """Every ``import`` in ``root/package`` of a top-level name in ``forbidden``."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            found += [
                f"{path.relative_to(root)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in forbidden
            ]
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("badges", ("pdhub", "workers", "flask", "sqlalchemy", "flask_sqlalchemy")),
        ("pdhub", ("workers",)),
    ],
)
def test_imports_go_one_way_badges_then_pdhub_then_workers(
    package: str, forbidden: tuple[str, ...]
) -> None:
    assert list((ROOT / package).rglob("*.py")), f"{package} has no modules to check"
    assert violations(ROOT, package, forbidden) == []


def test_the_import_check_reports_a_violation(tmp_path: Path) -> None:
    (tmp_path / "badges").mkdir()
    (tmp_path / "badges" / "leaky.py").write_text(
        "import json\nfrom flask import current_app\nimport sqlalchemy.orm\n"
    )
    assert violations(tmp_path, "badges", ("flask", "sqlalchemy")) == [
        "badges/leaky.py:2 imports flask",
        "badges/leaky.py:3 imports sqlalchemy.orm",
    ]


def test_migrations_match_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations drifted: run `pdhub db migrate`"


def test_tests_and_benchmarks_need_nothing_outside_the_repository() -> None:
    """A clone on its own runs every test: nothing reads a path above the checkout."""
    # Written in pieces so that this file does not match itself.
    climbing = ("/ " + '"..' + '" /', "/ " + "'..' /", "../" + "shared")
    outside = []
    for folder in ("tests", "bench", "pdhub", "badges", "workers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            source = path.read_text()
            if any(pattern in source for pattern in climbing):
                outside.append(str(path.relative_to(ROOT)))
    assert outside == []


def test_product_code_writes_no_benchmark_timings() -> None:
    """Stage timings are the benchmarks' business (bench/timed_worker.py wraps the
    seams); the product logs nothing of the kind."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("pdhub", "workers", "badges")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "perf_counter" in line or '"timing ' in line
    ]
    assert found == []
