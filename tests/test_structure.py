"""The architecture stays in shape: import direction, and migrations match the models."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from pdhub.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
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
    violations = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in imported_modules(package).items()
        for name in names
        if name.split(".")[0] in forbidden
    ]
    assert violations == []
    assert imported_modules(package), f"{package} has no modules to check"


def test_the_import_check_catches_a_violation(tmp_path: Path) -> None:
    source = "from pdhub.extensions import db\nimport flask\n"
    tree = ast.parse(source)
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {"pdhub.extensions", "flask"} <= names


def test_migrations_match_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations drifted: run `pdhub db migrate`"
