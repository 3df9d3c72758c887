"""The self-assessment instrument in the repository validates, in English and
Spanish, and the validator catches the mistakes an editor would make."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from pdhub.config import EQUITY_PATH
from pdhub.equity import instrument


def test_the_shipped_instrument_and_its_spanish_translation_validate() -> None:
    assert instrument.validate() == []
    english = instrument.load("en")
    spanish = instrument.load("es")
    assert [a.id for a in english.areas] == [
        "getting-started", "classroom", "conditions", "taking-it-forward"
    ]  # fmt: skip
    assert [s.id for s in english.scale] == [
        "not_started", "beginning", "developing", "established"
    ]  # fmt: skip
    assert english.question_title == "WHO needs WHAT to learn HOW?"
    assert spanish.question_title.startswith("¿QUIÉN")
    for area in english.areas:
        assert {i.divide for i in area.indicators} == {"access", "use", "design"}
        assert area.reflection
    assert english.indicators[0].text != spanish.indicators[0].text
    assert [i.id for i in english.indicators] == [i.id for i in spanish.indicators]


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "equity"
    shutil.copytree(EQUITY_PATH, folder)
    return folder


def test_validator_reports_a_missing_divide_a_duplicate_id_and_an_untranslated_one(
    tmp_path: Path,
) -> None:
    folder = _copy(tmp_path)
    manifest = folder / "self-assessment.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    data["areas"][0]["indicators"] = [
        i for i in data["areas"][0]["indicators"] if i["divide"] != "design"
    ]
    data["areas"][1]["indicators"][0]["id"] = data["areas"][1]["indicators"][1]["id"]
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = "\n".join(instrument.validate(folder))
    assert "area getting-started: no indicator for design" in problems
    assert "indicators: ids used twice" in problems
    assert "not in self-assessment.yaml: shared-vision" in problems


def test_validator_refuses_an_unknown_rating_level_and_a_bad_divide(
    tmp_path: Path,
) -> None:
    folder = _copy(tmp_path)
    manifest = folder / "self-assessment.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    data["scale"][2]["level"] = 5
    data["areas"][0]["indicators"][0]["divide"] = "bandwidth"
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = "\n".join(instrument.validate(folder))
    assert "'bandwidth' is not one of" in problems
    data["areas"][0]["indicators"][0]["divide"] = "access"
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert "levels must count up from 0" in "\n".join(instrument.validate(folder))


def test_the_command_line_checks_the_instrument(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pdhub.cli import validate_equity

    assert CliRunner().invoke(validate_equity, []).output.strip() == "ok"
    folder = _copy(tmp_path)
    (folder / "translations" / "es.yaml").write_text("language: es\n", encoding="utf-8")
    result = CliRunner().invoke(validate_equity, [str(folder)])
    assert result.exit_code == 1
    assert "translations/es.yaml" in result.output
