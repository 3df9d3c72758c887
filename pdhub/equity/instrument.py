"""The digital equity self-assessment as a versioned file (equity/self-assessment.yaml
and its translations): checking it against its schema, and reading it in a language."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from pdhub.config import EQUITY_PATH

SCHEMA_PATH = Path(__file__).resolve().parent / "instrument.schema.json"
TRANSLATION_SCHEMA_PATH = SCHEMA_PATH.with_name("instrument-translation.schema.json")
MANIFEST = "self-assessment.yaml"
DIVIDES = ("access", "use", "design")
#: Consensus at or below this level is a gap (beginning or not started).
GAP_LEVEL = 1


@dataclass(frozen=True)
class Part:
    id: str
    label: str
    prompt: str


@dataclass(frozen=True)
class Divide:
    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Level:
    id: str
    level: int
    title: str
    description: str


@dataclass(frozen=True)
class Indicator:
    id: str
    area_id: str
    divide: str
    text: str


@dataclass(frozen=True)
class Reflection:
    id: str
    area_id: str
    text: str


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    summary: str
    indicators: tuple[Indicator, ...]
    reflection: tuple[Reflection, ...]


@dataclass(frozen=True)
class Instrument:
    """The instrument in one language: structure from self-assessment.yaml, texts from
    the translation when there is one."""

    version: str
    language: str
    title: str
    summary: str
    question_title: str
    parts: tuple[Part, ...]
    divides: tuple[Divide, ...]
    scale: tuple[Level, ...]
    areas: tuple[Area, ...]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for area in self.areas for i in area.indicators)

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def divide(self, divide_id: str) -> Divide | None:
        return next((d for d in self.divides if d.id == divide_id), None)

    def level(self, level: int | None) -> Level | None:
        return next((s for s in self.scale if s.level == level), None)

    @property
    def top_level(self) -> int:
        return max(s.level for s in self.scale)


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _schema_problems(data: Any, schema_path: Path, name: str) -> list[str]:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return [
        f"{name}: {'/'.join(str(p) for p in error.absolute_path) or '(top)'}: "
        f"{error.message}"
        for error in sorted(
            Draft202012Validator(schema).iter_errors(data), key=lambda e: e.path
        )
    ]


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item.get("id")) for item in items]


def _duplicates(ids: list[str]) -> set[str]:
    return {i for i in ids if ids.count(i) > 1}


def _same_keys(
    problems: list[str], name: str, where: str, expected: list[str], got: Any
) -> None:
    keys = set(got or {})
    if missing := [i for i in expected if i not in keys]:
        problems.append(f"{name}: {where}: not translated: {', '.join(missing)}")
    if extra := sorted(keys - set(expected)):
        problems.append(f"{name}: {where}: not in {MANIFEST}: {', '.join(extra)}")


def validate(folder: Path | None = None) -> list[str]:
    """Every problem of the instrument and its translations (empty when it is sound):
    the schemas, unique ids, a scale whose levels count up from 0, every divide
    covered in every area, and translations with exactly the ids of the instrument."""
    folder = folder or EQUITY_PATH
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return [f"{MANIFEST} not found in {folder}"]
    try:
        data = _read(manifest)
    except yaml.YAMLError as error:
        return [f"{MANIFEST}: not valid YAML: {error}"]
    problems = _schema_problems(data, SCHEMA_PATH, MANIFEST)
    if problems:
        return problems
    levels = [s["level"] for s in data["scale"]]
    if levels != list(range(len(levels))):
        problems.append(f"{MANIFEST}: scale: levels must count up from 0: {levels}")
    divide_ids = _ids(data["divides"])
    all_ids = {
        "question parts": _ids(data["question"]["parts"]),
        "divides": divide_ids,
        "scale": _ids(data["scale"]),
        "areas": _ids(data["areas"]),
        "indicators": [i["id"] for a in data["areas"] for i in a["indicators"]],
        "reflection": [r["id"] for a in data["areas"] for r in a["reflection"]],
    }
    for where, ids in all_ids.items():
        if dupes := _duplicates(ids):
            problems.append(f"{MANIFEST}: {where}: ids used twice: {sorted(dupes)}")
    for area in data["areas"]:
        covered = {i["divide"] for i in area["indicators"]}
        if missing := [d for d in divide_ids if d not in covered]:
            problems.append(
                f"{MANIFEST}: area {area['id']}: no indicator for {', '.join(missing)}"
            )
        if stray := sorted(covered - set(divide_ids)):
            problems.append(
                f"{MANIFEST}: area {area['id']}: undeclared divide {', '.join(stray)}"
            )
    for path in sorted((folder / "translations").glob("*.yaml")):
        name = f"translations/{path.name}"
        try:
            texts = _read(path)
        except yaml.YAMLError as error:
            problems.append(f"{name}: not valid YAML: {error}")
            continue
        found = _schema_problems(texts, TRANSLATION_SCHEMA_PATH, name)
        if found:
            problems.extend(found)
            continue
        if texts["language"] != path.stem:
            problems.append(f"{name}: language must be {path.stem}")
        _same_keys(problems, name, "question parts", all_ids["question parts"],
                   texts["question"]["parts"])  # fmt: skip
        _same_keys(problems, name, "divides", divide_ids, texts["divides"])
        _same_keys(problems, name, "scale", all_ids["scale"], texts["scale"])
        _same_keys(problems, name, "areas", all_ids["areas"], texts["areas"])
        for area in data["areas"]:
            theirs = texts["areas"].get(area["id"])
            if theirs is None:
                continue
            _same_keys(problems, name, f"area {area['id']} indicators",
                       _ids(area["indicators"]), theirs["indicators"])  # fmt: skip
            _same_keys(problems, name, f"area {area['id']} reflection",
                       _ids(area["reflection"]), theirs["reflection"])  # fmt: skip
    return problems


class InstrumentError(RuntimeError):
    """The shipped instrument does not validate; the message lists the problems."""


@cache
def load(language: str = "en", folder: Path | None = None) -> Instrument:
    """The instrument with its texts in ``language`` (English where no translation
    exists). Raises InstrumentError when the files do not validate."""
    folder = folder or EQUITY_PATH
    problems = validate(folder)
    if problems:
        raise InstrumentError("; ".join(problems))
    data = _read(folder / MANIFEST)
    translation = folder / "translations" / f"{language}.yaml"
    texts: dict[str, Any] = _read(translation) if translation.is_file() else {}

    def said(path: tuple[str, ...], english: str) -> str:
        node: Any = texts
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return english
            node = node[key]
        return str(node).strip()

    areas = []
    for a in data["areas"]:
        aid = a["id"]
        areas.append(
            Area(
                id=aid,
                title=said(("areas", aid, "title"), a["title"]),
                summary=said(("areas", aid, "summary"), a["summary"].strip()),
                indicators=tuple(
                    Indicator(
                        i["id"],
                        aid,
                        i["divide"],
                        said(("areas", aid, "indicators", i["id"]), i["text"].strip()),
                    )
                    for i in a["indicators"]
                ),
                reflection=tuple(
                    Reflection(
                        r["id"],
                        aid,
                        said(("areas", aid, "reflection", r["id"]), r["text"].strip()),
                    )
                    for r in a["reflection"]
                ),
            )
        )
    return Instrument(
        version=str(data["version"]),
        language=language if texts else "en",
        title=said(("title",), data["title"]),
        summary=said(("summary",), data["summary"].strip()),
        question_title=said(("question", "title"), data["question"]["title"]),
        parts=tuple(
            Part(
                p["id"],
                said(("question", "parts", p["id"], "label"), p["label"]),
                said(("question", "parts", p["id"], "prompt"), p["prompt"].strip()),
            )
            for p in data["question"]["parts"]
        ),
        divides=tuple(
            Divide(
                d["id"],
                said(("divides", d["id"], "title"), d["title"]),
                said(("divides", d["id"], "description"), d["description"].strip()),
            )
            for d in data["divides"]
        ),
        scale=tuple(
            Level(
                s["id"],
                s["level"],
                said(("scale", s["id"], "title"), s["title"]),
                said(("scale", s["id"], "description"), s["description"].strip()),
            )
            for s in data["scale"]
        ),
        areas=tuple(areas),
    )


def current() -> Instrument:
    """The instrument in the language being spoken."""
    from pdhub.i18n import current_language

    return load(current_language())
