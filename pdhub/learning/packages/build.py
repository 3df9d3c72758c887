"""Building the package model from a folder that passed validation."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pdhub.learning.packages.model import (
    MANIFEST,
    MEDIA_TYPES,
    TRANSLATIONS_FOLDER,
    ArtifactsPart,
    Badge,
    Choice,
    Competency,
    Criterion,
    Evidence,
    Feedback,
    KeyMethod,
    KeyMethodComponent,
    Lesson,
    LevelDescriptor,
    LoadError,
    ModulePackage,
    Question,
    QuestionType,
    Quiz,
    Research,
    Resource,
    Rubric,
    RubricLevel,
    RubricPassing,
    StandardAlignment,
    WrittenPart,
)
from pdhub.learning.packages.translations import translated_texts
from pdhub.learning.packages.validation import _inspect, _Inspection


def load_package(path: Path | str) -> ModulePackage:
    """Read a valid package folder; raises LoadError with every problem otherwise."""
    inspection = _inspect(Path(path))
    if inspection.problems:
        raise LoadError(inspection.problems)
    return _build(inspection)


def _content_hash(inspection: _Inspection, lessons: Sequence[str], image: str) -> str:
    digest = hashlib.sha256()
    parts = [(MANIFEST, inspection.manifest)]
    parts += [(rel, (inspection.lesson_bodies or {})[rel]) for rel in lessons]
    parts.append((image, inspection.image or b""))
    # Translations count as content; a module without any hashes as it always did.
    for language, translation in sorted(inspection.translations.items()):
        parts.append((f"{TRANSLATIONS_FOLDER}/{language}.yaml", translation.manifest))
        parts += sorted((translation.lesson_bodies or {}).items())
    for name, blob in parts:
        # Length-prefixed framing: moving bytes between files changes the hash.
        digest.update(f"{name}\0{len(blob)}\0".encode())
        digest.update(blob)
    return digest.hexdigest()


def _text(value: Any) -> str:
    return str(value).strip()


def _optional(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return None if value is None else _text(value)


def _build_question(raw: dict[str, Any]) -> Question:
    answer = raw.get("answer")
    return Question(
        id=raw["id"],
        type=QuestionType(raw["type"]),
        prompt=_text(raw["prompt"]),
        points=int(raw.get("points", 1)),
        feedback=Feedback(
            correct=_text(raw["feedback"]["correct"]),
            incorrect=_text(raw["feedback"]["incorrect"]),
        ),
        choices=tuple(
            Choice(id=c["id"], text=_text(c["text"]), correct=bool(c.get("correct")))
            for c in raw.get("choices", ())
        ),
        accepted=tuple(_text(a) for a in raw.get("accepted", ())),
        answer=None if answer is None else float(answer),
        tolerance=float(raw.get("tolerance", 0)),
        lesson=raw.get("lesson"),
    )


def _build(inspection: _Inspection) -> ModulePackage:
    data = inspection.data
    bodies = inspection.lesson_bodies or {}
    lessons = tuple(
        Lesson(
            slug=raw["slug"],
            title=_text(raw["title"]),
            file=raw["file"],
            minutes=int(raw["minutes"]),
            body=bodies[raw["file"]].decode("utf-8"),
        )
        for raw in data["lessons"]
    )
    rubric = data["rubric"]
    level_order = [level["id"] for level in rubric["levels"]]
    evidence = data["evidence"]
    badge = data["badge"]
    image_name = badge["image"]
    translations = {
        language: translated_texts(translation)
        for language, translation in sorted(inspection.translations.items())
    }
    return ModulePackage(
        path=inspection.folder,
        slug=data["slug"],
        version=int(data["version"]),
        title=_text(data["title"]),
        summary=_text(data["summary"]),
        competency=_text(data["competency"]),
        key_method=KeyMethod(
            summary=_text(data["key_method"]["summary"]),
            components=tuple(
                KeyMethodComponent(_text(c["title"]), _text(c["description"]))
                for c in data["key_method"]["components"]
            ),
        ),
        research=tuple(
            Research(_text(r["citation"]), _optional(r, "url"), _optional(r, "note"))
            for r in data["research"]
        ),
        resources=tuple(
            Resource(_text(r["title"]), _text(r["url"]), _optional(r, "description"))
            for r in data.get("resources", ())
        ),
        hours=float(data["hours"]),
        topics=tuple(data["topics"]),
        grade_bands=tuple(data["grade_bands"]),
        equity_areas=tuple(data.get("equity", {}).get("areas", ())),
        equity_divides=tuple(data.get("equity", {}).get("divides", ())),
        survey={
            part: [{"id": str(i["id"]), "text": _text(i["text"])} for i in items]
            for part, items in (data.get("survey") or {}).items()
        },
        competencies=tuple(
            Competency(
                id=item["id"],
                en=_text(item["en"]),
                es=_text(item["es"]),
                divide=item.get("divide"),
            )
            for item in data.get("competencies", ())
        ),
        standards=tuple(
            StandardAlignment(
                _text(s["framework"]),
                _text(s["code"]),
                _text(s["name"]),
                _optional(s, "url"),
            )
            for s in data["standards"]
        ),
        lessons=lessons,
        quiz=quiz_from_data(_with_translated_answers(data["quiz"], translations)),
        evidence=Evidence(
            overview=_text(evidence["overview"]),
            context=WrittenPart(
                _text(evidence["context"]["prompt"]),
                int(evidence["context"]["min_words"]),
            ),
            artifacts=ArtifactsPart(
                _text(evidence["artifacts"]["prompt"]),
                int(evidence["artifacts"]["min_items"]),
                tuple(_text(e) for e in evidence["artifacts"].get("examples", ())),
            ),
            reflection=WrittenPart(
                _text(evidence["reflection"]["prompt"]),
                int(evidence["reflection"]["min_words"]),
            ),
            guidelines=tuple(_text(g) for g in evidence["guidelines"]),
            access_inventory=tuple(
                evidence.get("access_inventory", {}).get("counts", ())
            ),
        ),
        rubric=Rubric(
            levels=tuple(
                RubricLevel(level["id"], _text(level["name"]), level["demonstrated"])
                for level in rubric["levels"]
            ),
            criteria=tuple(
                Criterion(
                    id=c["id"],
                    name=_text(c["name"]),
                    description=_text(c["description"]),
                    maps_to=c["maps_to"],
                    levels=tuple(
                        LevelDescriptor(level_id, _text(c["levels"][level_id]))
                        for level_id in level_order
                    ),
                )
                for c in rubric["criteria"]
            ),
            passing=RubricPassing(int(rubric["passing"]["min_criteria_demonstrated"])),
        ),
        badge=Badge(
            name=_text(badge["name"]),
            description=_text(badge["description"]),
            image_file=image_name,
            image=inspection.image or b"",
            media_type=MEDIA_TYPES[Path(image_name).suffix],
            alt=_text(badge["alt"]),
            valid_for_days=badge.get("valid_for_days"),
            renewal=badge.get("renewal", "knowledge_check"),
        ),
        content_hash=_content_hash(
            inspection, [lesson.file for lesson in lessons], image_name
        ),
        translations=translations,
    )


def _with_translated_answers(
    quiz: Mapping[str, Any], translations: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The quiz section with each text question also accepting the answers its
    translations add: a knowledge check grades an answer the same whatever language
    it was shown in."""
    questions = []
    for raw in quiz["questions"]:
        question = dict(raw)
        if question.get("type") == "text":
            accepted = [str(answer) for answer in question.get("accepted", ())]
            for texts in translations.values():
                for answer in texts["quiz"][question["id"]].get("accepted", ()):
                    if answer not in accepted:
                        accepted.append(answer)
            question["accepted"] = accepted
        questions.append(question)
    return {**quiz, "questions": questions}


def quiz_from_data(data: Mapping[str, Any]) -> Quiz:
    """Rebuild a Quiz from its module.yaml-shaped section (as stored on Module.quiz)."""
    per_attempt = data.get("questions_per_attempt")
    return Quiz(
        passing_score=int(data["passing_score"]),
        max_attempts=int(data["max_attempts"]),
        questions=tuple(_build_question(dict(q)) for q in data["questions"]),
        questions_per_attempt=None if per_attempt is None else int(per_attempt),
    )
