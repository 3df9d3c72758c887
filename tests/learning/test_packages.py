"""Tests for the module package format: validation, loading, rendering and scoring."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from pdhub.learning.packages import (
    Choice,
    Feedback,
    LoadError,
    ModulePackage,
    Problem,
    Question,
    QuestionType,
    Quiz,
    QuizAnswerError,
    discover_packages,
    load_package,
    main,
    normalize_text_answer,
    parse_number,
    render_markdown,
    score_quiz,
    validate_package,
)

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "modules"
BROKEN = Path(__file__).resolve().parent / "broken_modules"

SAMPLE_YAML = """\
slug: sample-module
version: 1
title: "A sample module"
summary: "A small module used by the tests."
competency: "The educator does one clearly described thing."
key_method:
  summary: "Plan, teach, reflect."
  components:
    - title: "Plan"
      description: "Plan the lesson."
    - title: "Teach"
      description: "Teach the lesson."
research:
  - citation: "Author, A. (2020). A study. Publisher."
  - citation: "Author, B. (2021). Another study. Publisher."
    url: https://example.org/study
    note: "Why it matters."
resources:
  - title: "A resource"
    url: https://example.org/resource
    description: "Useful."
hours: 2
topics: [testing]
grade_bands: [K-2, 9-12]
standards:
  - framework: ISTE Standards for Educators
    code: "2.5.a"
    name: "Designer"
    url: https://iste.org/standards/educators#2.5.a
lessons:
  - slug: first
    title: "First lesson"
    file: lessons/01-first.md
    minutes: 20
  - slug: second
    title: "Second lesson"
    file: lessons/02-second.md
    minutes: 20
  - slug: third
    title: "Third lesson"
    file: lessons/03-third.md
    minutes: 20
quiz:
  passing_score: 80
  max_attempts: 3
  questions:
    - id: q1
      type: single
      prompt: "Pick a."
      choices:
        - {id: a, text: "A", correct: true}
        - {id: b, text: "B"}
      feedback: {correct: "Yes.", incorrect: "It is a."}
    - id: q2
      type: multiple
      prompt: "Pick a and c."
      points: 2
      choices:
        - {id: a, text: "A", correct: true}
        - {id: b, text: "B"}
        - {id: c, text: "C", correct: true}
      feedback: {correct: "Yes.", incorrect: "a and c."}
    - id: q3
      type: text
      prompt: "Name the law."
      accepted: ["FERPA", "Family Educational Rights and Privacy Act"]
      feedback: {correct: "Yes.", incorrect: "FERPA."}
    - id: q4
      type: numeric
      prompt: "How much?"
      answer: 12.5
      tolerance: 0.5
      feedback: {correct: "Yes.", incorrect: "12.5."}
    - id: q5
      type: numeric
      prompt: "How many exactly?"
      answer: 3
      feedback: {correct: "Yes.", incorrect: "3."}
evidence:
  overview: "Show it."
  context:
    prompt: "Describe your class."
    min_words: 75
  artifacts:
    prompt: "Upload a plan."
    min_items: 1
    examples: ["Lesson plan"]
  reflection:
    prompt: "Reflect."
    min_words: 150
  guidelines:
    - "Remove student names."
rubric:
  levels:
    - {id: not-yet, name: "Not yet", demonstrated: false}
    - {id: proficient, name: "Proficient", demonstrated: true}
  criteria:
    - id: context
      name: "Context"
      description: "Context."
      maps_to: context
      levels:
        not-yet: "Missing."
        proficient: "Clear."
    - id: plan
      name: "Plan"
      description: "Plan."
      maps_to: artifacts
      levels:
        not-yet: "Missing."
        proficient: "Clear."
    - id: reflection
      name: "Reflection"
      description: "Reflection."
      maps_to: reflection
      levels:
        not-yet: "Missing."
        proficient: "Clear."
  passing:
    min_criteria_demonstrated: 3
badge:
  name: "Sample Badge"
  description: "For testing."
  image: badge.svg
  alt: "A circle."
"""

SAMPLE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    '<circle cx="5" cy="5" r="4" fill="#123456"/></svg>'
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def write_sample(folder: Path, manifest: str = SAMPLE_YAML) -> Path:
    (folder / "lessons").mkdir(parents=True)
    (folder / "module.yaml").write_text(manifest, encoding="utf-8")
    for name in ("01-first", "02-second", "03-third"):
        (folder / "lessons" / f"{name}.md").write_text(
            f"## {name}\n\nSome *useful* text.\n", encoding="utf-8"
        )
    (folder / "badge.svg").write_text(SAMPLE_SVG, encoding="utf-8")
    return folder


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A valid package folder named after its slug."""
    return write_sample(tmp_path / "sample-module")


def edit(folder: Path, old: str, new: str, *, count: int = 1) -> str:
    """Replace `old` (which must occur exactly `count` times) in module.yaml."""
    manifest = folder / "module.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert text.count(old) == count, old
    text = text.replace(old, new)
    manifest.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line containing `marker`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    return hits[occurrence - 1]


def problem_for(problems: list[Problem], field: str) -> Problem:
    matching = [problem for problem in problems if problem.field == field]
    assert matching, f"no problem for {field}: {problems}"
    return matching[0]


# --- the catalog ---------------------------------------------------------------------


CATALOG = discover_packages(MODULES)


def test_the_catalog_has_the_starter_modules() -> None:
    names = {path.name for path in CATALOG}
    assert {"digital-equity-classroom", "udl-assistive-technology"} <= names


@pytest.mark.parametrize("folder", CATALOG, ids=lambda path: path.name)
def test_every_catalog_module_validates_without_problems(folder: Path) -> None:
    assert validate_package(folder) == []


@pytest.mark.parametrize(
    "slug", ["digital-equity-classroom", "udl-assistive-technology"]
)
def test_starter_modules_meet_the_authoring_guidelines(slug: str) -> None:
    package = load_package(MODULES / slug)
    assert 3 <= len(package.lessons) <= 4
    for lesson in package.lessons:
        words = [word for word in lesson.body.split() if any(c.isalnum() for c in word)]
        assert 500 <= len(words) <= 1000, lesson.file
    assert 6 <= len(package.quiz.questions) <= 8
    assert {q.type for q in package.quiz.questions} == set(QuestionType)
    assert 3 <= len(package.rubric.criteria) <= 4
    assert len(package.rubric.levels) == 4
    assert package.badge.media_type == "image/svg+xml"
    assert len(package.badge.image) < 4096
    assert package.grade_bands == ("K-2", "3-5", "6-8", "9-12")


def fenced_blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_readme_example_is_a_valid_package(tmp_path: Path) -> None:
    readme = (MODULES / "README.md").read_text(encoding="utf-8")
    (manifest,) = fenced_blocks(readme, "yaml")
    (svg,) = fenced_blocks(readme, "xml")
    (lesson,) = fenced_blocks(readme, "markdown")
    folder = tmp_path / "sample-module"
    (folder / "lessons").mkdir(parents=True)
    (folder / "module.yaml").write_text(manifest, encoding="utf-8")
    (folder / "badge.svg").write_text(svg, encoding="utf-8")
    for name in ("01-why", "02-question", "03-sorting"):
        (folder / "lessons" / f"{name}.md").write_text(lesson, encoding="utf-8")
    assert validate_package(folder) == []
    assert len(load_package(folder).quiz.questions) == 5


def test_main_validates_folders_and_exits_non_zero_on_problems(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(sample)]) == 0
    (sample / "badge.svg").unlink()
    assert main([str(sample), str(MODULES / "digital-equity-classroom")]) == 1
    out = capsys.readouterr().out
    assert "badge.image: badge image 'badge.svg' does not exist" in out
    assert "digital-equity-classroom: ok" in out


def test_a_valid_package_loads_into_typed_records(sample: Path) -> None:
    package = load_package(sample)
    assert isinstance(package, ModulePackage)
    assert package.slug == "sample-module"
    assert package.version == 1
    assert package.hours == 2.0
    assert [lesson.slug for lesson in package.lessons] == ["first", "second", "third"]
    assert package.lessons[0].body.startswith("## 01-first")
    assert package.research[0].url is None
    assert package.research[1].url == "https://example.org/study"
    q2 = package.quiz.questions[1]
    assert q2.type is QuestionType.MULTIPLE
    assert q2.points == 2
    assert q2.correct_choice_ids == {"a", "c"}
    assert package.quiz.questions[3].answer == 12.5
    assert package.quiz.questions[3].tolerance == 0.5
    assert package.quiz.questions[4].tolerance == 0.0
    assert package.quiz.max_points == 6
    assert package.evidence.artifacts.examples == ("Lesson plan",)
    criterion = package.rubric.criteria[0]
    assert criterion.maps_to == "context"
    assert criterion.descriptor("proficient") == "Clear."
    assert package.rubric.passing.min_criteria_demonstrated == 3
    assert package.badge.image == SAMPLE_SVG.encode()
    assert package.badge.media_type == "image/svg+xml"
    assert len(package.content_hash) == 64


def test_a_png_badge_loads_with_its_media_type(sample: Path) -> None:
    (sample / "badge.png").write_bytes(PNG_BYTES)
    edit(sample, "image: badge.svg", "image: badge.png")
    package = load_package(sample)
    assert package.badge.media_type == "image/png"
    assert package.badge.image == PNG_BYTES


def test_load_package_raises_load_error_with_every_problem(sample: Path) -> None:
    edit(sample, "version: 1", "version: 0")
    edit(sample, "hours: 2", "hours: 0")
    with pytest.raises(LoadError) as caught:
        load_package(sample)
    assert {problem.field for problem in caught.value.problems} == {"version", "hours"}
    assert "module.yaml:2: version:" in str(caught.value)


# --- broken packages: each fails with file, field and line ---------------------------


def test_unknown_field_is_reported_at_its_line_with_a_suggestion(sample: Path) -> None:
    text = edit(
        sample, "    minutes: 20\n  - slug: second", "    minuts: 20\n  - slug: second"
    )
    problems = validate_package(sample)
    problem = problem_for(problems, "lessons[0].minuts")
    assert problem.file == str(sample / "module.yaml")
    assert problem.line == line_of(text, "minuts:")
    assert "unknown field" in problem.message
    assert "did you mean 'minutes'" in problem.message
    missing = problem_for(problems, "lessons[0].minutes")
    assert missing.message == "required field is missing"
    assert missing.line == line_of(text, "- slug: first")


def test_unknown_top_level_field_is_an_error(sample: Path) -> None:
    text = edit(sample, "hours: 2\n", "hours: 2\ncolour: blue\n")
    problem = problem_for(validate_package(sample), "colour")
    assert problem.line == line_of(text, "colour:")


def test_wrong_type_names_the_expected_type(sample: Path) -> None:
    text = edit(
        sample, "minutes: 20\n  - slug: third", "minutes: twenty\n  - slug: third"
    )
    problem = problem_for(validate_package(sample), "lessons[1].minutes")
    assert problem.line == line_of(text, "minutes: twenty")
    assert problem.message == "must be a whole number, not text"


def test_missing_required_field_is_named(sample: Path) -> None:
    edit(sample, 'competency: "The educator does one clearly described thing."\n', "")
    problem = problem_for(validate_package(sample), "competency")
    assert problem.message == "required field is missing"
    assert problem.line == 1


def test_missing_nested_required_field_points_at_its_parent(sample: Path) -> None:
    text = edit(sample, '      feedback: {correct: "Yes.", incorrect: "FERPA."}\n', "")
    problem = problem_for(validate_package(sample), "quiz.questions[2].feedback")
    assert problem.line == line_of(text, "- id: q3")


def test_yaml_syntax_error_reports_its_line(sample: Path) -> None:
    text = edit(sample, 'title: "A sample module"', 'title: "A sample module')
    problems = validate_package(sample)
    assert len(problems) == 1
    assert problems[0].file == str(sample / "module.yaml")
    assert problems[0].message.startswith("YAML syntax error")
    assert problems[0].line is not None
    assert problems[0].line >= line_of(text, "title:")


def test_bad_indentation_is_a_yaml_syntax_error_at_its_line(sample: Path) -> None:
    text = edit(sample, "  max_attempts: 3", "   max_attempts: 3")
    (problem,) = validate_package(sample)
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == line_of(text, "max_attempts")


def test_duplicate_yaml_key_is_reported(sample: Path) -> None:
    text = edit(sample, "hours: 2\n", "hours: 2\nhours: 3\n")
    (problem,) = validate_package(sample)
    assert (problem.field, problem.line) == ("hours", line_of(text, "hours: 3"))
    assert "more than once" in problem.message


def test_yaml_aliases_are_refused(sample: Path) -> None:
    edit(sample, "topics: [testing]", "topics: &t [testing]\nextra: *t")
    (problem,) = validate_package(sample)
    assert "aliases" in problem.message


def test_empty_and_non_mapping_manifests_are_refused(sample: Path) -> None:
    (sample / "module.yaml").write_text("", encoding="utf-8")
    assert "empty" in validate_package(sample)[0].message
    (sample / "module.yaml").write_text("- a\n- b\n", encoding="utf-8")
    assert "mapping" in validate_package(sample)[0].message


def test_missing_manifest_is_reported(tmp_path: Path) -> None:
    (problem,) = validate_package(tmp_path)
    assert problem.file == str(tmp_path / "module.yaml")
    assert problem.line is None
    assert problem.message == "module.yaml not found"


def test_slug_must_equal_the_folder_name(sample: Path) -> None:
    edit(sample, "slug: sample-module", "slug: other-module")
    (problem,) = validate_package(sample)
    assert (problem.field, problem.line) == ("slug", 1)
    assert "folder name 'sample-module'" in problem.message


def test_slug_must_be_lowercase_with_hyphens(sample: Path) -> None:
    edit(sample, "slug: sample-module", "slug: Sample_Module")
    problem = problem_for(validate_package(sample), "slug")
    assert "lowercase" in problem.message


def test_missing_lesson_file_is_reported_at_its_entry(sample: Path) -> None:
    (sample / "lessons" / "02-second.md").unlink()
    text = (sample / "module.yaml").read_text(encoding="utf-8")
    (problem,) = validate_package(sample)
    assert problem.field == "lessons[1].file"
    assert problem.line == line_of(text, "file: lessons/02-second.md")
    assert "does not exist" in problem.message


def test_lesson_path_outside_lessons_folder_is_refused(sample: Path) -> None:
    edit(sample, "file: lessons/03-third.md", "file: ../secrets.md")
    problem = problem_for(validate_package(sample), "lessons[2].file")
    assert "lessons/ folder" in problem.message


def test_duplicate_lesson_slug_is_reported(sample: Path) -> None:
    text = edit(sample, "- slug: third", "- slug: first")
    (problem,) = validate_package(sample)
    assert problem.field == "lessons[2].slug"
    assert problem.line == line_of(text, "- slug: first", occurrence=2)
    assert "'first' is used twice" in problem.message


def test_lesson_that_is_not_utf8_reports_the_lesson_file_and_line(sample: Path) -> None:
    lesson = sample / "lessons" / "01-first.md"
    lesson.write_bytes(b"## Title\n\nCaf\xe9 au lait\n")
    (problem,) = validate_package(sample)
    assert problem.file == str(lesson)
    assert (problem.field, problem.line) == ("lessons[0].file", 3)
    assert "not UTF-8" in problem.message


def test_empty_lesson_is_reported(sample: Path) -> None:
    (sample / "lessons" / "03-third.md").write_text("  \n\n", encoding="utf-8")
    (problem,) = validate_package(sample)
    assert problem.file == str(sample / "lessons" / "03-third.md")
    assert problem.message == "lesson file is empty"


def test_lesson_starting_with_a_level_one_heading_is_reported(sample: Path) -> None:
    lesson = sample / "lessons" / "02-second.md"
    lesson.write_text("\n# Big title\n\nText.\n", encoding="utf-8")
    (problem,) = validate_package(sample)
    assert (problem.file, problem.line) == (str(lesson), 2)
    assert "level-1 heading" in problem.message


def test_lesson_minutes_beyond_the_credited_hours_are_reported(sample: Path) -> None:
    edit(sample, "hours: 2", "hours: 0.5")
    (problem,) = validate_package(sample)
    assert problem.field == "hours"
    assert "60 minutes" in problem.message


def test_duplicate_question_id_is_reported(sample: Path) -> None:
    text = edit(sample, "- id: q5", "- id: q4")
    (problem,) = validate_package(sample)
    assert problem.field == "quiz.questions[4].id"
    assert problem.line == line_of(text, "- id: q4", occurrence=2)


def test_single_choice_with_two_correct_answers_is_reported(sample: Path) -> None:
    text = edit(
        sample,
        '{id: b, text: "B"}\n      feedback',
        '{id: b, text: "B", correct: true}\n      feedback',
    )
    (problem,) = validate_package(sample)
    assert problem.field == "quiz.questions[0].choices"
    assert problem.line == line_of(text, "choices:")
    assert "exactly one correct choice, has 2" in problem.message


def test_multiple_choice_without_a_correct_answer_is_reported(sample: Path) -> None:
    edit(sample, '{id: a, text: "A", correct: true}', '{id: a, text: "A"}', count=2)
    edit(sample, '{id: c, text: "C", correct: true}', '{id: c, text: "C"}')
    problems = validate_package(sample)
    assert {p.field for p in problems} == {
        "quiz.questions[0].choices",
        "quiz.questions[1].choices",
    }


def test_duplicate_choice_id_is_reported(sample: Path) -> None:
    edit(
        sample, '{id: c, text: "C", correct: true}', '{id: b, text: "C", correct: true}'
    )
    (problem,) = validate_package(sample)
    assert problem.field == "quiz.questions[1].choices[2].id"


def test_numeric_question_without_answer_is_reported(sample: Path) -> None:
    text = edit(sample, "      answer: 3\n", "")
    (problem,) = validate_package(sample)
    assert problem.field == "quiz.questions[4].answer"
    assert problem.line == line_of(text, "- id: q5")
    assert problem.message == "a numeric question needs 'answer'"


def test_text_question_with_choices_is_reported(sample: Path) -> None:
    text = edit(
        sample,
        '      accepted: ["FERPA", "Family Educational Rights and Privacy Act"]\n',
        '      accepted: ["FERPA"]\n      choices:\n        - {id: a, text: "A"}\n'
        '        - {id: b, text: "B"}\n',
    )
    (problem,) = validate_package(sample)
    assert problem.field == "quiz.questions[2].choices"
    assert problem.line == line_of(text, "choices:", occurrence=3)
    assert "does not apply to a text question" in problem.message


def test_text_question_without_accepted_answers_is_reported(sample: Path) -> None:
    edit(
        sample,
        '      accepted: ["FERPA", "Family Educational Rights and Privacy Act"]\n',
        "",
    )
    (problem,) = validate_package(sample)
    assert problem.field == "quiz.questions[2].accepted"


def test_unknown_question_type_is_reported(sample: Path) -> None:
    edit(
        sample,
        'type: numeric\n      prompt: "How many',
        'type: essay\n      prompt: "How many',
    )
    (problem,) = validate_package(sample)
    assert problem.field == "quiz.questions[4].type"
    assert "'essay' is not allowed" in problem.message


def test_rubric_criterion_missing_a_level_is_reported(sample: Path) -> None:
    text = edit(
        sample,
        '        proficient: "Clear."\n    - id: reflection',
        "    - id: reflection",
    )
    problems = validate_package(sample)
    problem = problem_for(problems, "rubric.criteria[1].levels")
    assert problem.line == line_of(text, "levels:", occurrence=3)
    assert problem.message == "no description for level 'proficient'"


def test_rubric_criterion_describing_an_unknown_level_is_reported(sample: Path) -> None:
    text = edit(
        sample,
        '        proficient: "Clear."\n  passing:',
        '        proficient: "Clear."\n        expert: "Wow."\n  passing:',
    )
    (problem,) = validate_package(sample)
    assert problem.field == "rubric.criteria[2].levels.expert"
    assert problem.line == line_of(text, "expert:")


def test_passing_above_the_number_of_criteria_is_reported(sample: Path) -> None:
    text = edit(sample, "min_criteria_demonstrated: 3", "min_criteria_demonstrated: 4")
    (problem,) = validate_package(sample)
    assert problem.field == "rubric.passing.min_criteria_demonstrated"
    assert problem.line == line_of(text, "min_criteria_demonstrated")
    assert "only 3" in problem.message


def test_rubric_without_a_demonstrated_level_is_reported(sample: Path) -> None:
    edit(sample, "demonstrated: true", "demonstrated: false")
    (problem,) = validate_package(sample)
    assert problem.field == "rubric.levels"
    assert "demonstrated" in problem.message


def test_rubric_levels_must_rise_to_demonstrated(sample: Path) -> None:
    edit(sample, "demonstrated: true", "demonstrated: TRUE_")
    edit(sample, "demonstrated: false", "demonstrated: true")
    edit(sample, "demonstrated: TRUE_", "demonstrated: false")
    (problem,) = validate_package(sample)
    assert problem.field == "rubric.levels"
    assert "lowest to highest" in problem.message


def test_badge_image_that_is_not_an_image_is_reported(sample: Path) -> None:
    (sample / "badge.svg").write_text("just some text", encoding="utf-8")
    text = (sample / "module.yaml").read_text(encoding="utf-8")
    (problem,) = validate_package(sample)
    assert problem.file == str(sample / "module.yaml")
    assert (problem.field, problem.line) == ("badge.image", line_of(text, "image:"))
    assert "is not an SVG image" in problem.message


def test_png_named_badge_that_is_really_svg_is_reported(sample: Path) -> None:
    (sample / "badge.png").write_text(SAMPLE_SVG, encoding="utf-8")
    edit(sample, "image: badge.svg", "image: badge.png")
    (problem,) = validate_package(sample)
    assert problem.field == "badge.image"
    assert "is not a PNG image" in problem.message


def test_svg_without_the_svg_root_is_reported(sample: Path) -> None:
    (sample / "badge.svg").write_text("<html><body/></html>", encoding="utf-8")
    (problem,) = validate_package(sample)
    assert "root element is 'html'" in problem.message


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        '<image x:href="https://tracker.example/p.png"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://e.x/a.css)'
        "</style></svg>",
        '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;'
        "</svg>",
    ],
    ids=["script", "event-handler", "external-href", "external-css", "entities"],
)
def test_unsafe_svg_badges_are_refused(sample: Path, svg: str) -> None:
    (sample / "badge.svg").write_text(svg, encoding="utf-8")
    (problem,) = validate_package(sample)
    assert problem.field == "badge.image"
    assert "must not" in problem.message


def test_missing_badge_image_is_reported(sample: Path) -> None:
    (sample / "badge.svg").unlink()
    (problem,) = validate_package(sample)
    assert problem.field == "badge.image"
    assert "does not exist" in problem.message


def test_badge_image_with_another_extension_is_refused(sample: Path) -> None:
    edit(sample, "image: badge.svg", "image: badge.gif")
    (problem,) = validate_package(sample)
    assert problem.field == "badge.image"


def test_invalid_grade_band_is_reported(sample: Path) -> None:
    text = edit(sample, "grade_bands: [K-2, 9-12]", "grade_bands: [K-2, K-3]")
    (problem,) = validate_package(sample)
    assert problem.field == "grade_bands[1]"
    assert problem.line == line_of(text, "grade_bands")
    assert problem.message == "'K-3' is not allowed; use one of: K-2, 3-5, 6-8, 9-12"


def test_too_few_lessons_is_reported(sample: Path) -> None:
    edit(
        sample,
        '  - slug: third\n    title: "Third lesson"\n    file: lessons/03-third.md\n'
        "    minutes: 20\n",
        "",
    )
    (problem,) = validate_package(sample)
    assert problem.field == "lessons"
    assert problem.message == "needs at least 3 item(s), has 2"


def test_each_standard_names_its_own_code_and_url(sample: Path) -> None:
    edit(sample, "    url: https://iste.org/standards/educators#2.5.a\n", "")
    (problem,) = validate_package(sample)
    assert problem.field == "standards[0].url"
    assert "required" in problem.message
    edit(
        sample,
        '    name: "Designer"\n',
        '    name: "Designer"\n    url: https://iste.org/standards/educators\n'
        "  - framework: ISTE Standards for Educators\n"
        '    code: "2.5.b"\n'
        '    name: "Designer: authentic activities"\n'
        "    url: https://iste.org/standards/educators\n",
    )
    (problem,) = validate_package(sample)
    assert problem.field == "standards[1].url"
    assert "not one general page" in problem.message
    edit(sample, '"2.5.b"', '"2.5.a"')
    edit(sample, "educators\n", "educators#2.5.b\n", count=2)
    (problem, same_url) = validate_package(sample)
    assert same_url.field == "standards[1].url"
    assert problem.field == "standards[1].code"
    assert "listed twice" in problem.message


def test_the_shipped_modules_align_each_standard_specifically() -> None:
    from pdhub.learning.packages import load_package

    root = Path(__file__).parents[2] / "modules"
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        assert validate_package(folder) == [], folder.name
        urls = [s.url for s in load_package(folder).standards]
        assert all(url and "#" in url for url in urls), (folder.name, urls)
        assert len(set(urls)) == len(urls)


def test_non_http_urls_are_refused(sample: Path) -> None:
    edit(sample, "url: https://example.org/resource", "url: javascript:alert(1)")
    (problem,) = validate_package(sample)
    assert problem.field == "resources[0].url"
    assert "http:// or https://" in problem.message


def test_validator_reports_instead_of_raising_on_mangled_manifests(
    sample: Path,
) -> None:
    rng = random.Random(20240601)
    original = SAMPLE_YAML.splitlines(keepends=True)
    junk = ["", "  x: 1\n", "- \n", "{\n", "]\n", ": :\n", "quiz: 3\n", "\t\n"]
    for _ in range(150):
        lines = list(original)
        for _ in range(rng.randint(1, 3)):
            index = rng.randrange(len(lines))
            if rng.random() < 0.5:
                del lines[index]
            else:
                lines[index] = rng.choice(junk)
        (sample / "module.yaml").write_text("".join(lines), encoding="utf-8")
        problems = validate_package(sample)
        assert all(problem.line is None or problem.line >= 1 for problem in problems)
        if not problems:
            load_package(sample)


def test_problem_formats_as_file_line_field_message() -> None:
    problem = Problem("m/module.yaml", 7, "lessons[0].file", "missing")
    assert str(problem) == "m/module.yaml:7: lessons[0].file: missing"
    assert str(Problem("m/module.yaml", None, "", "gone")) == "m/module.yaml: gone"


BROKEN_FIXTURES = {
    "unknown-field": ("module.yaml", "badge.colour", 126, "unknown field"),
    "yaml-syntax-error": ("module.yaml", "", 65, "YAML syntax error"),
    "not-an-image": ("module.yaml", "badge.image", 124, "is not an SVG image"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_FIXTURES))
def test_broken_fixture_packages_fail_with_a_precise_problem(name: str) -> None:
    file, field, line, fragment = BROKEN_FIXTURES[name]
    problems = validate_package(BROKEN / name)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.file == str(BROKEN / name / file)
    assert (problem.field, problem.line) == (field, line)
    assert fragment in problem.message


# --- content hash --------------------------------------------------------------------


def test_content_hash_changes_when_a_lesson_changes(sample: Path) -> None:
    before = load_package(sample).content_hash
    assert load_package(sample).content_hash == before
    (sample / "lessons" / "02-second.md").write_text("## Changed\n", encoding="utf-8")
    assert load_package(sample).content_hash != before


def test_content_hash_changes_with_the_manifest_and_the_image(sample: Path) -> None:
    before = load_package(sample).content_hash
    edit(sample, 'alt: "A circle."', 'alt: "A round circle."')
    after_manifest = load_package(sample).content_hash
    assert after_manifest != before
    (sample / "badge.svg").write_text(SAMPLE_SVG.replace("#123456", "#654321"))
    assert load_package(sample).content_hash != after_manifest


def test_content_hash_ignores_files_the_package_does_not_use(sample: Path) -> None:
    before = load_package(sample).content_hash
    (sample / "NOTES.txt").write_text("author notes", encoding="utf-8")
    assert load_package(sample).content_hash == before


def test_content_hash_does_not_depend_on_the_folder_location(
    sample: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "elsewhere" / "sample-module"
    shutil.copytree(sample, copy)
    assert load_package(copy).content_hash == load_package(sample).content_hash


# --- Markdown rendering --------------------------------------------------------------


def test_markdown_renders_commonmark_tables_and_strikethrough() -> None:
    html = render_markdown(
        "## Title\n\n*em* **strong** ~~gone~~\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n"
    )
    assert "<h2>Title</h2>" in html
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<s>gone</s>" in html
    assert "<table>" in html and '<td style="text-align:right">2</td>' in html


def test_markdown_escapes_raw_html_and_scripts() -> None:
    html = render_markdown("<script>alert(1)</script>\n\nHi <b onclick='x()'>there</b>")
    assert "<script" not in html
    assert "<b" not in html
    assert "&lt;script&gt;" in html


def test_markdown_drops_javascript_and_data_urls() -> None:
    html = render_markdown(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) ![c](javascript:alert(1)) "
        "[d](data:text/html;base64,PHNjcmlwdD4=) ![e](data:image/png;base64,AAAA) "
        "<javascript:alert(1)>"
    )
    assert "<a " not in html
    assert 'href="' not in html
    assert 'src="' not in html


def test_markdown_links_get_noopener_noreferrer() -> None:
    html = render_markdown(
        "[CAST](https://udlguidelines.cast.org) ![alt](https://e.org/i.png)"
    )
    assert (
        '<a href="https://udlguidelines.cast.org" rel="noopener noreferrer">CAST</a>'
        in html
    )
    assert '<img src="https://e.org/i.png" alt="alt">' in html


def test_every_catalog_lesson_renders_to_safe_html() -> None:
    for folder in CATALOG:
        for lesson in load_package(folder).lessons:
            html = render_markdown(lesson.body)
            assert "<h1" not in html and "<script" not in html, lesson.file


# --- quiz scoring --------------------------------------------------------------------


def _feedback(answer: str) -> Feedback:
    return Feedback(correct="Correct.", incorrect=f"The answer is {answer}.")


QUIZ = Quiz(
    passing_score=80,
    max_attempts=3,
    questions=(
        Question(
            id="single",
            type=QuestionType.SINGLE,
            prompt="Pick a.",
            points=1,
            feedback=_feedback("a"),
            choices=(Choice("a", "A", True), Choice("b", "B", False)),
        ),
        Question(
            id="multi",
            type=QuestionType.MULTIPLE,
            prompt="Pick a and c.",
            points=2,
            feedback=_feedback("a and c"),
            choices=(
                Choice("a", "A", True),
                Choice("b", "B", False),
                Choice("c", "C", True),
            ),
        ),
        Question(
            id="text",
            type=QuestionType.TEXT,
            prompt="Name the law.",
            points=1,
            feedback=_feedback("FERPA"),
            accepted=("FERPA", "Family Educational Rights and Privacy Act"),
        ),
        Question(
            id="number",
            type=QuestionType.NUMERIC,
            prompt="How much?",
            points=1,
            feedback=_feedback("12.5"),
            answer=12.5,
            tolerance=0.5,
        ),
        Question(
            id="exact",
            type=QuestionType.NUMERIC,
            prompt="0.1 + 0.2?",
            points=1,
            feedback=_feedback("0.3"),
            answer=0.3,
        ),
    ),
)
ALL_RIGHT: dict[str, list[str] | str] = {
    "single": "a",
    "multi": ["c", "a"],
    "text": "ferpa",
    "number": "12.5",
    "exact": "0.3",
}


def test_all_correct_answers_score_full_marks_and_pass() -> None:
    score = score_quiz(QUIZ, ALL_RIGHT)
    assert (score.points, score.max_points, score.percent) == (6, 6, 100.0)
    assert score.passed
    assert all(r.correct and r.feedback == "Correct." for r in score.results)


def test_single_choice_accepts_a_string_or_a_one_item_list() -> None:
    assert score_quiz(QUIZ, {"single": ["a"]}).results[0].correct
    assert not score_quiz(QUIZ, {"single": "b"}).results[0].correct


def test_multiple_choice_is_correct_only_for_the_exact_set() -> None:
    partial = score_quiz(QUIZ, {"multi": ["a"]}).results[1]
    assert (partial.correct, partial.points) == (False, 0)
    assert partial.feedback == "The answer is a and c."
    extra = score_quiz(QUIZ, {"multi": ["a", "b", "c"]}).results[1]
    assert not extra.correct
    assert score_quiz(QUIZ, {"multi": ["a", "c", "a"]}).results[1].correct


@pytest.mark.parametrize(
    "answer",
    ["FERPA", "  ferpa ", "family   educational rights\tand privacy ACT", "ＦＥＲＰＡ"],
)
def test_text_answers_ignore_case_and_spacing(answer: str) -> None:
    assert score_quiz(QUIZ, {"text": answer}).results[2].correct


def test_text_answers_must_match_an_accepted_answer() -> None:
    assert not score_quiz(QUIZ, {"text": "HIPAA"}).results[2].correct
    assert not score_quiz(QUIZ, {"text": "FERPA law"}).results[2].correct


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("12.5", True),
        ("12,5", True),
        ("12", True),
        ("13", True),
        ("13.0001", False),
        ("11.9", False),
        (" 1.25e1 ", True),
        ("twelve", False),
        ("nan", False),
        ("12.5%", False),
    ],
)
def test_numeric_answers_accept_comma_or_period_within_tolerance(
    answer: str, correct: bool
) -> None:
    assert score_quiz(QUIZ, {"number": answer}).results[3].correct is correct


def test_numeric_answers_without_tolerance_survive_float_noise() -> None:
    assert score_quiz(QUIZ, {"exact": str(0.1 + 0.2)}).results[4].correct
    assert not score_quiz(QUIZ, {"exact": "0.31"}).results[4].correct


def test_unanswered_questions_score_zero() -> None:
    score = score_quiz(QUIZ, {"single": "a", "multi": []})
    assert score.points == 1
    assert [r.answered for r in score.results] == [True, False, False, False, False]
    assert not score.passed


def test_pass_mark_is_compared_exactly() -> None:
    answers = dict(ALL_RIGHT, exact="1")  # 5 of 6 points = 83.33%
    score = score_quiz(QUIZ, answers)
    assert (score.points, score.percent, score.passed) == (5, 83.33, True)
    failing = score_quiz(QUIZ, dict(ALL_RIGHT, multi=["a"]))  # 4 of 6 = 66.67%
    assert (failing.percent, failing.passed) == (66.67, False)


def test_unknown_question_id_raises_a_clear_error() -> None:
    with pytest.raises(QuizAnswerError, match="unknown question id.*q99"):
        score_quiz(QUIZ, {"q99": "a"})


def test_unknown_choice_id_raises_a_clear_error() -> None:
    with pytest.raises(QuizAnswerError, match="unknown choice id.*single: z"):
        score_quiz(QUIZ, {"single": "z"})


def test_several_answers_to_a_single_answer_question_raise() -> None:
    with pytest.raises(QuizAnswerError, match="single answer"):
        score_quiz(QUIZ, {"single": ["a", "b"]})


def test_answers_must_be_text() -> None:
    with pytest.raises(QuizAnswerError):
        score_quiz(QUIZ, {"number": 12.5})  # type: ignore[dict-item]


def test_catalog_quizzes_pass_with_their_own_correct_answers() -> None:
    for folder in CATALOG:
        quiz = load_package(folder).quiz
        answers: dict[str, list[str] | str] = {}
        for question in quiz.questions:
            if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                answers[question.id] = sorted(question.correct_choice_ids)
            elif question.type is QuestionType.TEXT:
                answers[question.id] = question.accepted[0].upper()
            else:
                answers[question.id] = str(question.answer)
        score = score_quiz(quiz, answers)
        assert score.passed and score.percent == 100.0, folder.name


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234.5", 1234.5), ("1.234,5", 1234.5), ("1,000,000", 1e6), ("−3", -3.0)],
)
def test_parse_number_reads_common_notations(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_normalize_text_answer_folds_case_and_spaces() -> None:
    assert normalize_text_answer("  Straße\n  Rules ") == "strasse rules"
