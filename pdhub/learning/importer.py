"""Importing module packages from modules/ into the database, one version per change."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from pdhub.db import DbSession
from pdhub.learning.models import Lesson, Module
from pdhub.learning.packages import ModulePackage, load_package, render_markdown
from pdhub.learning.packages.model import MANIFEST


@dataclasses.dataclass(frozen=True)
class ImportOutcome:
    module: Module
    created: bool
    #: "created" (first version), "new version", or "unchanged".
    change: str


def _plain(value: Any) -> Any:
    """Dataclass values as JSON-ready lists and dicts (tuples become lists)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _sections(package: ModulePackage) -> dict[str, Any]:
    """The module.yaml sections in their YAML shape, for the JSON columns."""
    quiz = _plain(dataclasses.asdict(package.quiz))
    for question in quiz["questions"]:
        question["type"] = str(question["type"])
    rubric = _plain(dataclasses.asdict(package.rubric))
    for criterion in rubric["criteria"]:
        criterion["levels"] = {
            item["level"]: item["text"] for item in criterion["levels"]
        }
    return {
        "key_method": _plain(dataclasses.asdict(package.key_method)),
        "research": [_plain(dataclasses.asdict(item)) for item in package.research],
        "resources": [_plain(dataclasses.asdict(item)) for item in package.resources],
        "standards": [_plain(dataclasses.asdict(item)) for item in package.standards],
        "quiz": quiz,
        "evidence": _plain(dataclasses.asdict(package.evidence)),
        "rubric": rubric,
    }


def _translations(package: ModulePackage) -> dict[str, Any]:
    """The translations as stored: each lesson's Markdown rendered once, like the
    English lessons."""
    stored = {}
    for language, texts in package.translations.items():
        lessons = {
            slug: {
                "title": lesson["title"],
                "body_markdown": lesson["body"],
                "body_html": render_markdown(lesson["body"]),
            }
            for slug, lesson in texts["lessons"].items()
        }
        stored[language] = {**_plain(dict(texts)), "lessons": lessons}
    return stored


def search_text(package: ModulePackage) -> str:
    """Lower-cased words the catalog search matches: title, summary, competency,
    topics, grade bands, standard codes and lesson titles (of every language)."""
    parts = [
        package.title,
        package.summary,
        package.competency,
        *package.topics,
        *(topic.replace("-", " ") for topic in package.topics),
        *package.grade_bands,
        package.key_method.summary,
        *(s.code for s in package.standards),
        *(s.name for s in package.standards),
        *(lesson.title for lesson in package.lessons),
    ]
    for texts in package.translations.values():
        parts += [
            texts["title"],
            texts["summary"],
            texts["competency"],
            texts["key_method"]["summary"],
            *(lesson["title"] for lesson in texts["lessons"].values()),
        ]
    return " ".join(" ".join(parts).lower().split())


def import_package(session: DbSession, package: ModulePackage) -> tuple[Module, bool]:
    """Store ``package`` as a module version; (module, created).

    Idempotent: a package whose slug and content hash are already stored changes
    nothing. Changed content becomes a new version row (the package's version, or one
    more than the highest stored when the author forgot to bump it); older versions
    stop being current but stay, so enrolled teachers keep the version they started.
    """
    module, change = _import(session, package)
    return module, change != "unchanged"


def _import(session: DbSession, package: ModulePackage) -> tuple[Module, str]:
    existing = session.scalar(
        select(Module).where(
            Module.slug == package.slug, Module.content_hash == package.content_hash
        )
    )
    if existing is not None:
        return existing, "unchanged"
    highest = session.scalar(
        select(Module.version)
        .where(Module.slug == package.slug)
        .order_by(Module.version.desc())
        .limit(1)
    )
    version = package.version if highest is None else max(package.version, highest + 1)
    session.execute(
        update(Module).where(Module.slug == package.slug).values(is_current=False)
    )
    module = Module(
        slug=package.slug,
        version=version,
        is_current=True,
        content_hash=package.content_hash,
        title=package.title,
        summary=package.summary,
        competency=package.competency,
        hours=package.hours,
        topics=list(package.topics),
        grade_bands=list(package.grade_bands),
        equity=(
            {
                "areas": list(package.equity_areas),
                "divides": list(package.equity_divides),
            }
            if package.equity_areas
            else {}
        ),
        survey=dict(package.survey),
        competencies=[
            _plain(dataclasses.asdict(item)) for item in package.competencies
        ],
        badge_name=package.badge.name,
        badge_description=package.badge.description,
        badge_image=package.badge.image,
        badge_media_type=package.badge.media_type,
        badge_alt=package.badge.alt,
        valid_for_days=package.badge.valid_for_days,
        renewal=package.badge.renewal,
        search_text=search_text(package),
        translations=_translations(package),
        **_sections(package),
    )
    module.lessons = [
        Lesson(
            position=position,
            slug=lesson.slug,
            title=lesson.title,
            minutes=lesson.minutes,
            body_markdown=lesson.body,
            body_html=render_markdown(lesson.body),
        )
        for position, lesson in enumerate(package.lessons, start=1)
    ]
    session.add(module)
    session.flush()
    return module, "created" if highest is None else "new version"


def import_folder(session: DbSession, folder: Path | str) -> ImportOutcome:
    """Load (raising packages.LoadError with every problem) and import one folder."""
    module, change = _import(session, load_package(folder))
    return ImportOutcome(module, change != "unchanged", change)


def package_folders(root: Path | str) -> list[Path]:
    """The package folders under ``root``, or ``root`` itself when it is one."""
    path = Path(root)
    if (path / MANIFEST).is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(child for child in path.iterdir() if (child / MANIFEST).is_file())
