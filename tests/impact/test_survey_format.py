"""A module's pre/post survey in the module format: the schema and validator check
it, translations give its texts, and importing keeps it (with its Spanish)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from pdhub.impact import service
from pdhub.impact.models import SurveyPhase
from pdhub.learning.importer import import_folder
from pdhub.learning.packages import validate_package

ROOT = Path(__file__).resolve().parents[2]
EQUITY = ROOT / "modules" / "digital-equity-classroom"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / EQUITY.name
    shutil.copytree(EQUITY, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    source = path.read_text()
    assert old in source, old
    path.write_text(source.replace(old, new, 1))


def _messages(folder: Path) -> list[str]:
    return [f"{p.field}: {p.message}" for p in validate_package(folder)]


def test_a_repeated_item_id_and_an_untranslated_item_are_reported(
    tmp_path: Path,
) -> None:
    folder = _copy(tmp_path)
    assert _messages(folder) == []
    _edit(folder / "module.yaml", "- id: check-access", "- id: name-divides")
    found = _messages(folder)
    assert any("'name-divides' is used by another survey item" in m for m in found)
    folder = _copy(tmp_path / "again")
    _edit(
        folder / "translations" / "es.yaml",
        '    active-use: "Mis clases',
        '    other-item: "Mis clases',
    )
    found = _messages(folder)
    assert any("no translation for survey item 'active-use'" in m for m in found)
    assert any("'other-item' is not a survey item" in m for m in found)
    folder = _copy(tmp_path / "scale")
    _edit(
        folder / "module.yaml",
        "  items:\n    - id: name-divides",
        "  items: []\n  x:\n    - id: name-divides",
    )
    assert _messages(folder)  # the schema refuses an unknown key and an empty list


def test_importing_keeps_the_survey_in_english_and_spanish(session: Session) -> None:
    module = import_folder(session, EQUITY).module
    english = service.survey_items(module, SurveyPhase.PRE)
    assert [item_id for item_id, _ in english] == [
        "name-divides",
        "check-access",
        "active-use",
    ]
    assert english[1][1].startswith("I know which of my students")
    spanish = service.survey_items(module, SurveyPhase.PRE, "es")
    assert spanish[1][1].startswith("Sé cuáles de mis estudiantes")
    follow = service.survey_items(module, SurveyPhase.FOLLOW_UP, "es")
    assert follow == [
        (
            "still-designing",
            "Sigo planificando clases en las que ninguna parte depende de internet "
            "en casa.",
        )
    ]
