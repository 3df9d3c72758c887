"""Module translations: ``translations/<language>.yaml`` gives a module's texts in
another language, keyed by the ids of module.yaml.

module.yaml stays the one source of structure: which lessons, questions, choices,
rubric levels and criteria there are, which answers are correct, points and limits.
A translation supplies texts only, and the checks here make it supply all of them:
every id of module.yaml translated, no other id, lists as long as the English ones.
The one thing a translation adds is ``accepted`` answers to text questions (the same
answer in its language); they count whatever language the quiz is shown in, so a
knowledge check grades the same answers the same way in every language.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from pdhub.learning.packages.model import (
    MAX_MANIFEST_BYTES,
    TRANSLATION_SCHEMA_PATH,
    TRANSLATIONS_FOLDER,
    Location,
    Problem,
)
from pdhub.learning.packages.validation import (
    _check_schema,
    _decode,
    _Inspection,
    _mapping,
    _parse_yaml,
    _read_lesson,
    _Reporter,
)


def translation_languages() -> tuple[str, ...]:
    """The languages a module may be translated into: those PD Hub speaks, but
    English, the language of module.yaml."""
    from pdhub.i18n import DEFAULT_LANGUAGE, LANGUAGES

    return tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(TRANSLATION_SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def inspect_translations(
    folder: Path, english: Any, problems: list[Problem]
) -> dict[str, _Inspection]:
    """Check every ``translations/*.yaml`` of ``folder`` against the English data;
    problems are added to ``problems``. Returns the inspections by language."""
    found: dict[str, _Inspection] = {}
    root = folder / TRANSLATIONS_FOLDER
    if not root.is_dir():
        return found
    languages = translation_languages()
    for path in sorted(root.iterdir()):
        if path.is_dir() and path.name in languages:
            continue  # the lesson files of a language
        name = f"{TRANSLATIONS_FOLDER}/{path.name}"
        report = _Reporter(folder, name)
        if path.suffix != ".yaml" or path.stem not in languages:
            report.add(
                (),
                "is not a translation: name translations "
                f"'<language>.yaml', for a language PD Hub speaks "
                f"({', '.join(languages)})",
                line=None,
            )
            problems.extend(report.problems)
            continue
        inspection = _inspect_one(report, path, path.stem, english)
        problems.extend(report.problems)
        found[path.stem] = inspection
    return found


def _inspect_one(
    report: _Reporter, path: Path, language: str, english: Any
) -> _Inspection:
    inspection = _Inspection(report.folder, report.problems)
    raw = path.read_bytes()
    if len(raw) > MAX_MANIFEST_BYTES:
        report.add((), f"is larger than {MAX_MANIFEST_BYTES} bytes", line=1)
        return inspection
    inspection.manifest = raw
    text, bad_line, error = _decode(raw)
    if text is None:
        report.add((), f"{report.name} {error}", line=bad_line)
        return inspection
    data = _parse_yaml(text, report)
    if data is None:
        return inspection
    inspection.data = data
    _check_schema(data, report, _validator())
    if data.get("language") != language:
        report.add(
            ("language",),
            f"must be '{language}', the language the file is named for",
        )
    if not isinstance(english, dict):
        return inspection
    _check_key_method(data, english, report)
    _check_sources(data, english, report)
    inspection.lesson_bodies = _check_lessons(data, english, language, report)
    _check_quiz(data, english, report)
    _check_evidence(data, english, report)
    _check_rubric(data, english, report)
    _check_survey(data, english, report)
    return inspection


# --- the checks against module.yaml ------------------------------------------------


def _ids(items: Any, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    return [str(item[key]) for item in items if isinstance(item, dict) and key in item]


def _same_keys(
    report: _Reporter,
    loc: Location,
    given: Any,
    expected: Iterable[str],
    what: str,
) -> None:
    """Every id of ``expected`` is a key of ``given``, and no other."""
    if not isinstance(given, dict):
        return  # the schema reports it
    wanted = list(expected)
    for key in wanted:
        if key not in given:
            report.add(loc, f"no translation for {what} '{key}'")
    for key in given:
        if key not in wanted:
            report.add(
                (*loc, key),
                f"'{key}' is not a {what} in module.yaml "
                f"({', '.join(wanted) or 'none'})",
            )


def _same_length(
    report: _Reporter, loc: Location, given: Any, english: Any, what: str
) -> None:
    count = len(english) if isinstance(english, list) else 0
    if given is None:
        if count:
            report.add(loc, f"no translation for the {count} {what} of module.yaml")
        return
    if isinstance(given, list) and len(given) != count:
        report.add(
            loc,
            f"has {len(given)} {what}; module.yaml has {count}: translate each "
            "one, in the same order",
        )


def _check_key_method(
    data: dict[str, Any], english: dict[str, Any], report: _Reporter
) -> None:
    _same_length(
        report,
        ("key_method", "components"),
        _mapping(data, "key_method").get("components"),
        _mapping(english, "key_method").get("components"),
        "components",
    )


def _check_sources(
    data: dict[str, Any], english: dict[str, Any], report: _Reporter
) -> None:
    """Research notes and resource texts, item by item in the English order
    (citations and addresses are not translated)."""
    for section, key in (("research", "note"), ("resources", "description")):
        ours = english.get(section)
        ours = ours if isinstance(ours, list) else []
        theirs = data.get(section)
        has_text = section == "resources" or any(
            isinstance(item, dict) and key in item for item in ours
        )
        if theirs is None and not (ours and has_text):
            continue
        _same_length(report, (section,), theirs, ours, "items")
        if not isinstance(theirs, list) or len(theirs) != len(ours):
            continue
        for index, (their, our) in enumerate(zip(theirs, ours, strict=True)):
            if not isinstance(their, dict) or not isinstance(our, dict):
                continue
            if key in our and key not in their:
                report.add((section, index, key), f"no translation of '{key}'")
            if key in their and key not in our:
                report.add(
                    (section, index, key),
                    f"module.yaml has no '{key}' here to translate",
                )


def _check_lessons(
    data: dict[str, Any], english: dict[str, Any], language: str, report: _Reporter
) -> dict[str, bytes]:
    lessons = data.get("lessons")
    _same_keys(
        report, ("lessons",), lessons, _ids(english.get("lessons"), "slug"), "lesson"
    )
    bodies: dict[str, bytes] = {}
    if not isinstance(lessons, dict):
        return bodies
    used: dict[str, str] = {}
    for slug, lesson in lessons.items():
        if not isinstance(lesson, dict):
            continue
        rel = lesson.get("file")
        if not isinstance(rel, str) or not rel.endswith(".md"):
            continue  # the schema reports it
        loc: Location = ("lessons", slug, "file")
        if not rel.startswith(f"{TRANSLATIONS_FOLDER}/{language}/"):
            report.add(
                loc, f"keep the {language} lessons in {TRANSLATIONS_FOLDER}/{language}/"
            )
            continue
        if rel in used:
            report.add(loc, f"'{rel}' is also the file of lesson '{used[rel]}'")
            continue
        used[rel] = str(slug)
        raw = _read_lesson(report, loc, rel)
        if raw is not None:
            bodies[rel] = raw
    return bodies


def _check_quiz(
    data: dict[str, Any], english: dict[str, Any], report: _Reporter
) -> None:
    questions = [
        q
        for q in _mapping(english, "quiz").get("questions") or []
        if isinstance(q, dict)
    ]
    given = data.get("quiz")
    _same_keys(report, ("quiz",), given, _ids(questions, "id"), "question")
    if not isinstance(given, dict):
        return
    for question in questions:
        qid = str(question.get("id"))
        theirs = given.get(qid)
        if not isinstance(theirs, dict):
            continue
        loc: Location = ("quiz", qid)
        if "choices" in question:
            if "choices" not in theirs:
                report.add((*loc, "choices"), "no translation for the choices")
            else:
                _same_keys(
                    report,
                    (*loc, "choices"),
                    theirs["choices"],
                    _ids(question["choices"], "id"),
                    "choice",
                )
        elif "choices" in theirs:
            report.add((*loc, "choices"), "this question has no choices to translate")
        if "accepted" in theirs and question.get("type") != "text":
            report.add(
                (*loc, "accepted"),
                "only text questions take more accepted answers; a translation "
                "never changes which choice or number is right",
            )


def _check_evidence(
    data: dict[str, Any], english: dict[str, Any], report: _Reporter
) -> None:
    theirs = _mapping(data, "evidence")
    ours = _mapping(english, "evidence")
    if not theirs:
        return
    _same_length(
        report,
        ("evidence", "artifacts", "examples"),
        _mapping(theirs, "artifacts").get("examples"),
        _mapping(ours, "artifacts").get("examples"),
        "examples",
    )
    _same_length(
        report,
        ("evidence", "guidelines"),
        theirs.get("guidelines"),
        ours.get("guidelines"),
        "guidelines",
    )


def _check_rubric(
    data: dict[str, Any], english: dict[str, Any], report: _Reporter
) -> None:
    ours = _mapping(english, "rubric")
    theirs = _mapping(data, "rubric")
    if not theirs:
        return
    level_ids = _ids(ours.get("levels"), "id")
    _same_keys(report, ("rubric", "levels"), theirs.get("levels"), level_ids, "level")
    criteria = theirs.get("criteria")
    _same_keys(
        report,
        ("rubric", "criteria"),
        criteria,
        _ids(ours.get("criteria"), "id"),
        "criterion",
    )
    if not isinstance(criteria, dict):
        return
    for cid, criterion in criteria.items():
        if isinstance(criterion, dict):
            _same_keys(
                report,
                ("rubric", "criteria", cid, "levels"),
                criterion.get("levels"),
                level_ids,
                "level",
            )


# --- building the texts of a checked translation ------------------------------------


def _check_survey(
    data: dict[str, Any], english: dict[str, Any], report: _Reporter
) -> None:
    """A module with a survey has its items translated, each id of module.yaml and
    no other."""
    ours = english.get("survey")
    if not isinstance(ours, dict):
        if "survey" in data:
            report.add(("survey",), "module.yaml has no survey to translate")
        return
    theirs = data.get("survey")
    if not isinstance(theirs, dict):
        report.add((), "no translation for the survey of module.yaml")
        return
    for part in ("items", "follow_up"):
        wanted = _ids(ours.get(part), "id")
        if not wanted and part not in theirs:
            continue
        if part not in theirs:
            report.add(("survey",), f"no translation for the survey's {part}")
            continue
        _same_keys(report, ("survey", part), theirs[part], wanted, "survey item")


def _text(value: Any) -> str:
    return str(value).strip()


def translated_texts(inspection: _Inspection) -> dict[str, Any]:
    """A checked translation as the texts PD Hub stores (``Module.translations``):
    the same keys as the file, stripped, with each lesson's Markdown as ``body``."""
    data: Mapping[str, Any] = inspection.data
    bodies = inspection.lesson_bodies or {}
    evidence = data["evidence"]
    quiz: dict[str, Any] = {}
    for qid, question in data["quiz"].items():
        entry: dict[str, Any] = {
            "prompt": _text(question["prompt"]),
            "feedback": {
                "correct": _text(question["feedback"]["correct"]),
                "incorrect": _text(question["feedback"]["incorrect"]),
            },
        }
        if "choices" in question:
            entry["choices"] = {
                str(cid): _text(text) for cid, text in question["choices"].items()
            }
        if "accepted" in question:
            entry["accepted"] = [_text(answer) for answer in question["accepted"]]
        quiz[str(qid)] = entry
    texts: dict[str, Any] = {
        "language": data["language"],
        "title": _text(data["title"]),
        "summary": _text(data["summary"]),
        "competency": _text(data["competency"]),
        "key_method": {
            "summary": _text(data["key_method"]["summary"]),
            "components": [
                {"title": _text(c["title"]), "description": _text(c["description"])}
                for c in data["key_method"]["components"]
            ],
        },
        "research": [
            {"note": _text(item["note"]) if "note" in item else None}
            for item in data.get("research") or []
        ],
        "resources": [
            {
                "title": _text(item["title"]),
                "description": _text(item["description"])
                if "description" in item
                else None,
            }
            for item in data.get("resources") or []
        ],
        "lessons": {
            str(slug): {
                "title": _text(lesson["title"]),
                "body": bodies[lesson["file"]].decode("utf-8"),
            }
            for slug, lesson in data["lessons"].items()
        },
        "quiz": quiz,
        "evidence": {
            "overview": _text(evidence["overview"]),
            "context": {"prompt": _text(evidence["context"]["prompt"])},
            "artifacts": {
                "prompt": _text(evidence["artifacts"]["prompt"]),
                "examples": [
                    _text(e) for e in evidence["artifacts"].get("examples") or []
                ],
            },
            "reflection": {"prompt": _text(evidence["reflection"]["prompt"])},
            "guidelines": [_text(g) for g in evidence["guidelines"]],
        },
        "rubric": {
            "levels": {
                str(lid): _text(name) for lid, name in data["rubric"]["levels"].items()
            },
            "criteria": {
                str(cid): {
                    "name": _text(c["name"]),
                    "description": _text(c["description"]),
                    "levels": {
                        str(lid): _text(text) for lid, text in c["levels"].items()
                    },
                }
                for cid, c in data["rubric"]["criteria"].items()
            },
        },
        "badge": {
            "name": _text(data["badge"]["name"]),
            "description": _text(data["badge"]["description"]),
            "alt": _text(data["badge"]["alt"]),
        },
    }
    if isinstance(data.get("survey"), dict):
        texts["survey"] = {
            part: {str(iid): _text(text) for iid, text in items.items()}
            for part, items in data["survey"].items()
        }
    return texts
