"""Validating a package folder (YAML, JSON Schema, semantic rules) and building it."""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
import resvg_py
import yaml
from defusedxml import DefusedXmlException
from jsonschema import Draft202012Validator, ValidationError

from pdhub.learning.packages.markdown import _markdown
from pdhub.learning.packages.model import (
    MANIFEST,
    MAX_IMAGE_BYTES,
    MAX_LESSON_BYTES,
    MAX_MANIFEST_BYTES,
    MEDIA_TYPES,
    PNG_SIGNATURE,
    SCHEMA_PATH,
    SVG_NAMESPACE,
    Location,
    Problem,
)

# --- public functions --------------------------------------------------------------


def discover_packages(root: Path) -> list[Path]:
    """Return the folders directly under `root` that hold a module.yaml, sorted."""
    return sorted(child for child in root.iterdir() if (child / MANIFEST).is_file())


def validate_package(path: Path | str) -> list[Problem]:
    """Check a package folder against the format contract; an empty list means valid."""
    return _inspect(Path(path)).problems


# --- inspection: YAML, schema and semantic checks -----------------------------------


@dataclass
class _Inspection:
    folder: Path
    problems: list[Problem]
    manifest: bytes = b""
    data: Any = None
    lesson_bodies: dict[str, bytes] | None = None
    image: bytes | None = None
    #: By language: the translation's inspection (translations/<language>.yaml).
    translations: dict[str, _Inspection] = field(default_factory=dict)


class _Reporter:
    """Collects problems, locating module.yaml fields by walking the composed nodes."""

    def __init__(self, folder: Path, name: str = MANIFEST) -> None:
        self.folder = folder
        self.name = name
        self.manifest = str(folder / name)
        self.root: yaml.Node | None = None
        self.problems: list[Problem] = []

    def add(self, loc: Location, message: str, *, line: int | None = None) -> None:
        if line is None:
            line = self.line_of(loc)
        self.problems.append(Problem(self.manifest, line, _field_name(loc), message))

    def add_file(self, rel: str, loc: Location, message: str, line: int | None) -> None:
        self.problems.append(
            Problem(str(self.folder / rel), line, _field_name(loc), message)
        )

    def line_of(self, loc: Location) -> int | None:
        """Line of the deepest node on `loc` that exists (the key line for fields)."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        line, node = key.start_mark.line + 1, value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def _field_name(loc: Location) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


def _inspect(folder: Path) -> _Inspection:
    report = _Reporter(folder)
    inspection = _Inspection(folder, report.problems)
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        report.add_file(MANIFEST, (), f"{folder} is not a folder", None)
        return inspection
    if not manifest_path.is_file():
        report.add_file(MANIFEST, (), "module.yaml not found", None)
        return inspection
    raw = manifest_path.read_bytes()
    if len(raw) > MAX_MANIFEST_BYTES:
        report.add((), f"module.yaml is larger than {MAX_MANIFEST_BYTES} bytes", line=1)
        return inspection
    inspection.manifest = raw
    text, bad_line, error = _decode(raw)
    if text is None:
        report.add((), f"module.yaml {error}", line=bad_line)
        return inspection
    data = _parse_yaml(text, report)
    if data is None:
        return inspection
    inspection.data = data
    _check_schema(data, report)
    inspection.lesson_bodies = _check_lessons(data, report)
    _check_quiz(data, report)
    _check_rubric(data, report)
    inspection.image = _check_badge(data, report)
    _check_identity(data, report)
    _check_standards(data, report)
    _check_equity(data, report)
    _check_survey(data, report)
    _check_competencies(data, report)
    # The translations check their ids against module.yaml with this module's helpers.
    from pdhub.learning.packages.translations import inspect_translations

    inspection.translations = inspect_translations(folder, data, report.problems)
    report.problems.sort(key=lambda p: (p.file != report.manifest, p.file, p.line or 0))
    return inspection


def _decode(raw: bytes) -> tuple[str | None, int, str]:
    """The text, or None with the line and a message for the first invalid byte."""
    try:
        return raw.decode("utf-8"), 0, ""
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, line, f"is not UTF-8 (byte {raw[exc.start]:#04x} on this line)"


def _parse_yaml(text: str, report: _Reporter) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            report.add((), f"{report.name} is empty", line=1)
            return None
        report.root = root
        aliased = _find_alias(root)
        if aliased is not None:
            # Aliases let a tiny file expand into a huge document ("billion laughs");
            # module files have no need for them.
            report.add((), "YAML anchors and aliases are not supported", line=aliased)
            return None
        duplicates = list(_duplicate_keys(root, ()))
        for loc, line in duplicates:
            report.add(loc, "key appears more than once", line=line)
        if duplicates:
            return None
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or "invalid YAML"
        if exc.context:
            detail = f"{detail} ({exc.context})"
        if isinstance(exc, yaml.parser.ParserError | yaml.scanner.ScannerError):
            detail += (
                "; check the indentation and quoting on this line and the one above"
            )
        report.add(
            (), f"YAML syntax error: {detail}", line=mark.line + 1 if mark else 1
        )
        return None
    except yaml.YAMLError as exc:
        report.add((), f"YAML error: {exc}", line=1)
        return None
    except RecursionError:
        report.add((), "YAML is nested too deeply", line=1)
        return None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        report.add((), f"{report.name} must be a mapping of fields at the top level")
        return None
    return data


def _find_alias(root: yaml.Node) -> int | None:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark.line + 1
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def _duplicate_keys(node: yaml.Node, loc: Location) -> Iterator[tuple[Location, int]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else repr(key)
            if name in seen:
                yield (*loc, name), key.start_mark.line + 1
            seen.add(name)
            yield from _duplicate_keys(value, (*loc, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, index))


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


_PATTERN_HINTS = {
    r"\S": "must not be empty",
    "^[a-z0-9]+(-[a-z0-9]+)*$": "must be lowercase letters and digits joined by "
    "single hyphens, like 'digital-equity'",
    "^The educator\\s": "must be one statement starting with 'The educator'",
    "^https?://[^\\s/?#]+[^\\s]*$": "must be an http:// or https:// address",
    "^lessons/[A-Za-z0-9][A-Za-z0-9._-]*\\.md$": "must be a Markdown file in the "
    "lessons/ folder, like 'lessons/01-intro.md'",
    "^[A-Za-z0-9][A-Za-z0-9_-]*$": "must be letters, digits, '-' or '_'",
}
_TYPE_NAMES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
}


def _check_schema(
    data: dict[str, Any],
    report: _Reporter,
    validator: Draft202012Validator | None = None,
) -> None:
    seen: set[tuple[Location, str]] = set()
    for error in (validator or _validator()).iter_errors(data):
        loc: Location = tuple(error.absolute_path)
        for sub_loc, message in _describe(error, loc):
            if (sub_loc, message) not in seen:
                seen.add((sub_loc, message))
                report.add(sub_loc, message)


def _describe(error: ValidationError, loc: Location) -> Iterable[tuple[Location, str]]:
    kind, instance, expected = error.validator, error.instance, error.validator_value
    if kind == "required":
        return [
            ((*loc, name), "required field is missing")
            for name in expected
            if name not in instance
        ]
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        problems = []
        for name in instance:
            if name not in allowed:
                hint = difflib.get_close_matches(str(name), allowed, n=1)
                suffix = f"; did you mean '{hint[0]}'?" if hint else ""
                allowed_list = ", ".join(allowed)
                problems.append(
                    ((*loc, name), f"unknown field{suffix} (allowed: {allowed_list})")
                )
        return problems
    message: str
    if kind == "type":
        message = f"must be {_TYPE_NAMES.get(str(expected), expected)}, " + (
            f"not {_json_type(instance)}"
        )
    elif kind == "enum":
        message = f"{instance!r} is not allowed; use one of: " + ", ".join(
            str(value) for value in expected
        )
    elif kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        message = f"needs {bound} {expected} item(s), has {len(instance)}"
    elif kind == "minProperties":
        message = f"needs at least {expected} entries, has {len(instance)}"
    elif kind == "maxLength":
        message = f"is {len(instance)} characters long; the limit is {expected}"
    elif kind == "pattern":
        rule = _PATTERN_HINTS.get(str(expected), f"must match {expected}")
        message = f"{instance!r} {rule}" if str(expected) != r"\S" else rule
    elif kind == "minimum":
        message = f"must be at least {expected}, not {instance}"
    elif kind == "maximum":
        message = f"must be at most {expected}, not {instance}"
    elif kind == "exclusiveMinimum":
        message = f"must be greater than {expected}, not {instance}"
    elif kind == "uniqueItems":
        message = "contains the same entry more than once"
    elif kind == "propertyNames":
        message = f"{instance!r} is not a valid level id"
    else:
        message = error.message
    return [(loc, message)]


def _json_type(value: object) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "text"}
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping of fields"
    if value is None:
        return "empty (null)"
    return names.get(type(value), type(value).__name__)


def _mappings(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _mapping(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _duplicates(
    items: Iterable[tuple[int, dict[str, Any]]], key: str
) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for index, item in items:
        value = item.get(key)
        if isinstance(value, str):
            if value in seen:
                yield index, value
            seen.add(value)


def _check_identity(data: dict[str, Any], report: _Reporter) -> None:
    slug = data.get("slug")
    folder_name = report.folder.resolve().name
    if isinstance(slug, str) and slug != folder_name:
        report.add(
            ("slug",), f"'{slug}' does not match the folder name '{folder_name}'"
        )


def _check_equity(data: dict[str, Any], report: _Reporter) -> None:
    """The areas a module says it addresses are areas of the equity self-assessment
    (equity/self-assessment.yaml), so districts with a gap there are offered it."""
    declared = data.get("equity")
    if not isinstance(declared, dict) or not isinstance(declared.get("areas"), list):
        return  # absent (optional), or the schema reports it
    from pdhub.equity.instrument import load

    known = {area.id for area in load("en").areas}
    for index, area_id in enumerate(declared["areas"]):
        if isinstance(area_id, str) and area_id not in known:
            report.add(
                ("equity", "areas", index),
                f"'{area_id}' is not an area of the equity self-assessment "
                f"(one of {', '.join(sorted(known))})",
            )


def _check_survey(data: dict[str, Any], report: _Reporter) -> None:
    """Survey item ids are unique across the pre/post items and the follow-up ones:
    answers are stored by id."""
    survey = data.get("survey")
    if not isinstance(survey, dict):
        return  # absent (optional), or the schema reports it
    seen: set[str] = set()
    for part in ("items", "follow_up"):
        items = survey.get(part)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            if item_id in seen:
                report.add(
                    ("survey", part, index, "id"),
                    f"'{item_id}' is used by another survey item",
                )
            seen.add(item_id)


def _check_competencies(data: dict[str, Any], report: _Reporter) -> None:
    """Each competency is one self-assessment item, its answers kept by id: ids are
    unique within the module."""
    competencies = data.get("competencies")
    if not isinstance(competencies, list):
        return  # absent (optional), or the schema reports it
    seen: set[str] = set()
    for index, item in enumerate(competencies):
        cid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(cid, str):
            continue
        if cid in seen:
            report.add(
                ("competencies", index, "id"),
                f"'{cid}' is used by another competency of this module",
            )
        seen.add(cid)


def _check_standards(data: dict[str, Any], report: _Reporter) -> None:
    """Each standard is its own alignment in the badge (OB 3.0 Alignment): its code
    and url name that one standard, so two may not share a code or a url."""
    standards = data.get("standards")
    if not isinstance(standards, list):
        return
    codes: dict[str, int] = {}
    urls: dict[str, int] = {}
    for index, standard in enumerate(standards):
        if not isinstance(standard, dict):
            continue
        key = (str(standard.get("framework")), str(standard.get("code")))
        code_key = "\n".join(key)
        if code_key in codes:
            report.add(
                ("standards", index, "code"),
                f"'{key[1]}' of {key[0]} is listed twice "
                f"(also standards[{codes[code_key]}])",
            )
        codes.setdefault(code_key, index)
        url = standard.get("url")
        if isinstance(url, str):
            if url in urls:
                report.add(
                    ("standards", index, "url"),
                    f"the same url as standards[{urls[url]}]: link each standard to "
                    "its own page or anchor (e.g. .../standards/educators#2.4.a), "
                    "not one general page",
                )
            urls.setdefault(url, index)


def _resolve_inside(folder: Path, rel: str) -> Path | None:
    """The file `rel` names, or None when it escapes the package folder."""
    root = folder.resolve()
    target = (folder / rel).resolve()
    return (
        target if target.is_relative_to(root) and ".." not in Path(rel).parts else None
    )


def _check_lessons(data: dict[str, Any], report: _Reporter) -> dict[str, bytes]:
    bodies: dict[str, bytes] = {}
    lessons = list(_mappings(data.get("lessons")))
    for index, slug in _duplicates(lessons, "slug"):
        report.add(("lessons", index, "slug"), f"lesson slug '{slug}' is used twice")
    for index, rel_file in _duplicates(lessons, "file"):
        report.add(("lessons", index, "file"), f"'{rel_file}' is used by two lessons")
    for index, lesson in lessons:
        rel = lesson.get("file")
        if not isinstance(rel, str) or not rel.endswith(".md"):
            continue  # the schema reports it
        raw = _read_lesson(report, ("lessons", index, "file"), rel)
        if raw is not None:
            bodies[rel] = raw
    _check_minutes(data, lessons, report)
    return bodies


def _read_lesson(report: _Reporter, loc: Location, rel: str) -> bytes | None:
    """The bytes of lesson file ``rel`` (None when it cannot be read); problems with
    its place, size, encoding and first heading are reported."""
    target = _resolve_inside(report.folder, rel)
    if target is None:
        report.add(loc, f"'{rel}' points outside the module folder")
        return None
    if not target.is_file():
        report.add(loc, f"lesson file '{rel}' does not exist")
        return None
    raw = target.read_bytes()
    if len(raw) > MAX_LESSON_BYTES:
        report.add(loc, f"'{rel}' is larger than {MAX_LESSON_BYTES} bytes")
        return None
    text, bad_line, error = _decode(raw)
    if text is None:
        report.add_file(rel, loc, f"lesson file {error}", bad_line)
        return raw
    if not text.strip():
        report.add_file(rel, loc, "lesson file is empty", 1)
        return raw
    tokens = _markdown().parse(text)
    first = tokens[0] if tokens else None
    if first is not None and first.type == "heading_open" and first.tag == "h1":
        line = first.map[0] + 1 if first.map else 1
        report.add_file(
            rel,
            loc,
            "starts with a level-1 heading; the page already shows the lesson "
            "title as h1, so start with '## ' or a paragraph",
            line,
        )
    return raw


def _check_minutes(
    data: dict[str, Any], lessons: list[tuple[int, dict[str, Any]]], report: _Reporter
) -> None:
    # Hours also cover the knowledge check and the evidence task, so only lessons that
    # alone take longer than the credited hours are clearly wrong.
    hours = data.get("hours")
    minutes = [m for _, lesson in lessons if type(m := lesson.get("minutes")) is int]
    if isinstance(hours, int | float) and not isinstance(hours, bool) and hours > 0:
        total = sum(minutes)
        if total > hours * 60:
            report.add(
                ("hours",),
                f"the lessons alone take {total} minutes, more than the "
                f"{hours:g} PD hours credited; raise hours or correct the minutes",
            )


def _check_quiz(data: dict[str, Any], report: _Reporter) -> None:
    quiz = _mapping(data, "quiz")
    questions = list(_mappings(quiz.get("questions")))
    for index, qid in _duplicates(questions, "id"):
        report.add(
            ("quiz", "questions", index, "id"), f"question id '{qid}' is used twice"
        )
    per_attempt = quiz.get("questions_per_attempt")
    if isinstance(per_attempt, int) and per_attempt > len(questions):
        report.add(
            ("quiz", "questions_per_attempt"),
            f"asks {per_attempt} questions per attempt but the module has only "
            f"{len(questions)}",
        )
    lessons = {lesson.get("slug") for _, lesson in _mappings(data.get("lessons"))}
    for index, question in questions:
        loc: Location = ("quiz", "questions", index)
        lesson = question.get("lesson")
        if isinstance(lesson, str) and lesson not in lessons:
            report.add(
                (*loc, "lesson"), f"names lesson '{lesson}', which this module lacks"
            )
        kind = question.get("type")
        present = {"choices", "accepted", "answer", "tolerance"} & set(question)
        allowed = {
            "single": {"choices"},
            "multiple": {"choices"},
            "text": {"accepted"},
            "numeric": {"answer", "tolerance"},
        }.get(str(kind))
        if allowed is None:
            continue  # the schema reports an unknown type
        for key in sorted(present - allowed):
            report.add((*loc, key), f"'{key}' does not apply to a {kind} question")
        needed = {"single": "choices", "multiple": "choices", "text": "accepted"}.get(
            str(kind), "answer"
        )
        if needed not in question:
            report.add((*loc, needed), f"a {kind} question needs '{needed}'")
        if kind in ("single", "multiple"):
            _check_choices(question, loc, str(kind), report)
        if kind == "numeric":
            for key in ("answer", "tolerance"):
                value = question.get(key)
                if isinstance(value, float) and not math.isfinite(value):
                    report.add((*loc, key), "must be a finite number")


def _check_choices(
    question: dict[str, Any], loc: Location, kind: str, report: _Reporter
) -> None:
    choices = list(_mappings(question.get("choices")))
    if not choices:
        return
    for index, cid in _duplicates(choices, "id"):
        report.add((*loc, "choices", index, "id"), f"choice id '{cid}' is used twice")
    correct = sum(1 for _, choice in choices if choice.get("correct") is True)
    if kind == "single" and correct != 1:
        report.add(
            (*loc, "choices"),
            f"a single-choice question needs exactly one correct choice, has {correct}",
        )
    if kind == "multiple" and correct < 1:
        report.add(
            (*loc, "choices"), "a multiple-choice question needs a correct choice"
        )


def _check_rubric(data: dict[str, Any], report: _Reporter) -> None:
    rubric = _mapping(data, "rubric")
    levels = list(_mappings(rubric.get("levels")))
    for index, lid in _duplicates(levels, "id"):
        report.add(("rubric", "levels", index, "id"), f"level id '{lid}' is used twice")
    raw_flags = [level.get("demonstrated") for _, level in levels]
    if levels and all(isinstance(flag, bool) for flag in raw_flags):
        flags = [flag is True for flag in raw_flags]
        if not any(flags):
            report.add(
                ("rubric", "levels"), "at least one level must be demonstrated: true"
            )
        elif flags != sorted(flags):
            first = flags.index(True)
            report.add(
                ("rubric", "levels"),
                "levels go from lowest to highest, so every level above the first "
                f"demonstrated one ('{levels[first][1].get('id')}') must be "
                "demonstrated too",
            )
    level_ids = [str(level.get("id")) for _, level in levels]
    criteria = list(_mappings(rubric.get("criteria")))
    for index, cid in _duplicates(criteria, "id"):
        report.add(
            ("rubric", "criteria", index, "id"), f"criterion id '{cid}' is used twice"
        )
    for index, criterion in criteria:
        described = criterion.get("levels")
        if not isinstance(described, dict) or not levels:
            continue
        loc: Location = ("rubric", "criteria", index, "levels")
        for level_id in level_ids:
            if level_id not in described:
                report.add(loc, f"no description for level '{level_id}'")
        for key in described:
            if key not in level_ids:
                report.add(
                    (*loc, key),
                    f"'{key}' is not a rubric level ({', '.join(level_ids)})",
                )
    minimum = _mapping(rubric, "passing").get("min_criteria_demonstrated")
    if type(minimum) is int and criteria and minimum > len(criteria):
        report.add(
            ("rubric", "passing", "min_criteria_demonstrated"),
            f"{minimum} criteria must be demonstrated but the rubric has only "
            f"{len(criteria)}",
        )


def _check_badge(data: dict[str, Any], report: _Reporter) -> bytes | None:
    rel = _mapping(data, "badge").get("image")
    loc: Location = ("badge", "image")
    if not isinstance(rel, str) or Path(rel).suffix not in MEDIA_TYPES:
        return None  # the schema reports it
    target = _resolve_inside(report.folder, rel)
    if target is None:
        report.add(loc, f"'{rel}' points outside the module folder")
        return None
    if not target.is_file():
        report.add(loc, f"badge image '{rel}' does not exist")
        return None
    if target.stat().st_size > MAX_IMAGE_BYTES:
        report.add(loc, f"'{rel}' is larger than {MAX_IMAGE_BYTES} bytes")
        return None
    content = target.read_bytes()
    if Path(rel).suffix == ".png":
        problem = _png_problem(content)
    else:
        problem = _svg_problem(content)
    if problem:
        report.add(loc, f"'{rel}' {problem}")
        return None
    return content


def _png_problem(content: bytes) -> str | None:
    if not content.startswith(PNG_SIGNATURE) or content[12:16] != b"IHDR":
        return "is not a PNG image (no PNG signature and header)"
    width = int.from_bytes(content[16:20], "big")
    height = int.from_bytes(content[20:24], "big")
    if not width or not height:
        return "is a PNG image with no pixels"
    return None


_EXTERNAL_URL = re.compile(rb"url\(\s*['\"]?(?!#)", re.IGNORECASE)


def _svg_problem(content: bytes) -> str | None:
    lowered = content.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        return "must not contain a DOCTYPE or entity declarations"
    try:
        root: Element = SafeElementTree.fromstring(content)
    except (ParseError, DefusedXmlException) as exc:
        return f"is not an SVG image (not well-formed XML: {exc})"
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        return (
            f"is not an SVG image (the root element is {root.tag!r}, not <svg> with "
            f'xmlns="{SVG_NAMESPACE}")'
        )
    # Badge images are served and baked into credentials: no script, no outside fetches.
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in ("script", "foreignobject"):
            return f"must not contain <{tag}>"
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return f"must not contain event handler attributes ({local})"
            if local == "href" and not value.startswith(("#", "data:image/")):
                return f"must not reference outside resources ({value!r})"
    if _EXTERNAL_URL.search(content):
        return "must not reference outside resources with url(...)"
    # Credentials bake a PNG drawn from the artwork: it must draw.
    try:
        resvg_py.svg_to_bytes(svg_string=content.decode("utf-8"), width=64)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"cannot be drawn as a picture ({exc})"
    return None
