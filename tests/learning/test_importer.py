"""Importing module packages: idempotent, new versions for changed content, and the
CLI's validate and import commands."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.cli import main as cli
from pdhub.learning import service
from pdhub.learning.importer import import_folder, import_package
from pdhub.learning.models import LessonProgress, Module
from pdhub.learning.packages import load_package
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "modules" / "digital-equity-classroom"
BROKEN = Path(__file__).resolve().parent / "broken_modules"


def copy_module(tmp_path: Path) -> Path:
    target = tmp_path / MODULE.name
    shutil.copytree(MODULE, target)
    return target


def test_importing_the_same_package_twice_creates_one_version(session: Session) -> None:
    package = load_package(MODULE)
    first, created = import_package(session, package)
    again, created_again = import_package(session, package)
    assert created and not created_again
    assert first.id == again.id and first.version == 1
    assert [lesson.slug for lesson in first.lessons] == [
        lesson.slug for lesson in package.lessons
    ]
    assert "<h2" in first.lessons[0].body_html or "<p>" in first.lessons[0].body_html
    assert "mapping access" in first.search_text and "2.5.a" in first.search_text


def test_a_changed_package_becomes_a_new_current_version(
    session: Session, tmp_path: Path
) -> None:
    folder = copy_module(tmp_path)
    v1 = import_folder(session, folder).module
    manifest = folder / "module.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            'title: "Closing the Digital Divides in Your Classroom"',
            'title: "Closing the Digital Divides"',
        )
    )
    outcome = import_folder(session, folder)
    assert outcome.change == "new version"
    assert outcome.module.version == 2  # version 1 in the yaml, so max + 1
    session.refresh(v1)
    assert not v1.is_current and outcome.module.is_current
    assert (
        service.current_module(session, MODULE.name).title
        == "Closing the Digital Divides"
    )


def test_an_enrolled_teacher_keeps_version_one_and_their_progress(
    session: Session, tmp_path: Path
) -> None:
    folder = copy_module(tmp_path)
    v1 = import_folder(session, folder).module
    teacher = UserFactory()
    enrollment = service.enroll(session, teacher, v1)
    service.complete_lesson(session, teacher, enrollment, v1.lessons[0])
    (folder / "lessons" / "01-three-divides.md").write_text(
        "## Rewritten\n\nA new first lesson.\n"
    )
    v2 = import_folder(session, folder).module
    assert v2.version == 2
    session.refresh(enrollment)
    assert enrollment.module_id == v1.id
    assert service.enrollment_for(session, teacher, MODULE.name).id == enrollment.id
    assert service.enroll(session, teacher, v2).id == enrollment.id
    done = session.scalars(
        select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id)
    ).all()
    assert len(done) == 1
    assert service.progress(session, enrollment).lessons_done == 1


def test_a_higher_yaml_version_is_kept(session: Session, tmp_path: Path) -> None:
    folder = copy_module(tmp_path)
    import_folder(session, folder)
    manifest = folder / "module.yaml"
    manifest.write_text(manifest.read_text().replace("version: 1", "version: 5", 1))
    assert import_folder(session, folder).module.version == 5


def test_cli_validate_passes_the_starter_catalog() -> None:
    folders = [
        str(path) for path in sorted((ROOT / "modules").iterdir()) if path.is_dir()
    ]
    result = CliRunner().invoke(cli, ["modules", "validate", *folders])
    assert result.exit_code == 0, result.output
    assert len(folders) >= 8 and result.output.count(": ok") == len(folders)


def test_cli_validate_prints_file_line_field_and_fails() -> None:
    result = CliRunner().invoke(
        cli, ["modules", "validate", str(BROKEN / "unknown-field")]
    )
    assert result.exit_code == 1
    assert "unknown-field/module.yaml:126: badge.colour: unknown field" in result.output


def test_cli_import_is_idempotent_and_refuses_broken_modules(
    app: Flask, session: Session
) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["modules", "import", str(MODULE)])
    assert first.exit_code == 0, first.output
    assert "digital-equity-classroom: created (version 1)" in first.output
    second = runner.invoke(args=["modules", "import", str(MODULE)])
    assert "digital-equity-classroom: unchanged (version 1)" in second.output
    broken = runner.invoke(args=["modules", "import", str(BROKEN / "unknown-field")])
    assert broken.exit_code == 1 and "Nothing imported" in broken.output
    assert session.scalar(select(Module).where(Module.slug == "unknown-field")) is None
