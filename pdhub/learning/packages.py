"""Read, validate, render and score the module packages kept in modules/<slug>/."""

from __future__ import annotations

import difflib
import enum
import functools
import hashlib
import json
import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
import nh3
import yaml
from defusedxml import DefusedXmlException
from jsonschema import Draft202012Validator, ValidationError
from markdown_it import MarkdownIt

__all__ = [
    "ArtifactsPart",
    "Badge",
    "Choice",
    "Criterion",
    "Evidence",
    "Feedback",
    "KeyMethod",
    "KeyMethodComponent",
    "LevelDescriptor",
    "Lesson",
    "LoadError",
    "ModulePackage",
    "Problem",
    "Question",
    "QuestionResult",
    "QuestionType",
    "Quiz",
    "QuizAnswerError",
    "QuizScore",
    "Research",
    "Resource",
    "Rubric",
    "RubricLevel",
    "RubricPassing",
    "StandardAlignment",
    "WrittenPart",
    "discover_packages",
    "load_package",
    "main",
    "normalize_text_answer",
    "parse_number",
    "render_markdown",
    "score_quiz",
    "validate_package",
]

MANIFEST = "module.yaml"
SCHEMA_PATH = Path(__file__).with_name("module.schema.json")
# Limits keep a hostile or mistaken package from exhausting the importer or the worker.
MAX_MANIFEST_BYTES = 256 * 1024
MAX_LESSON_BYTES = 256 * 1024
MAX_IMAGE_BYTES = 1024 * 1024
MAX_ANSWER_CHARS = 2000
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

Location = tuple[str | int, ...]


# --- problems and errors ------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package; `line` is 1-based, None when no line applies."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class LoadError(Exception):
    """Raised by load_package when a package has problems; carries all of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            f"module package has {len(self.problems)} problem(s):\n{lines}"
        )


class QuizAnswerError(ValueError):
    """Raised by score_quiz for unknown question or choice ids or a bad answer shape."""


# --- the package model -------------------------------------------------------------


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"
    NUMERIC = "numeric"


@dataclass(frozen=True)
class KeyMethodComponent:
    title: str
    description: str


@dataclass(frozen=True)
class KeyMethod:
    summary: str
    components: tuple[KeyMethodComponent, ...]


@dataclass(frozen=True)
class Research:
    citation: str
    url: str | None
    note: str | None


@dataclass(frozen=True)
class Resource:
    title: str
    url: str
    description: str | None


@dataclass(frozen=True)
class StandardAlignment:
    framework: str
    code: str
    name: str
    url: str | None


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    file: str
    minutes: int
    body: str


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool


@dataclass(frozen=True)
class Feedback:
    correct: str
    incorrect: str


@dataclass(frozen=True)
class Question:
    """A knowledge-check question; fields that do not apply to its type are empty."""

    id: str
    type: QuestionType
    prompt: str
    points: int
    feedback: Feedback
    choices: tuple[Choice, ...] = ()
    accepted: tuple[str, ...] = ()
    answer: float | None = None
    tolerance: float = 0.0

    @property
    def correct_choice_ids(self) -> frozenset[str]:
        return frozenset(choice.id for choice in self.choices if choice.correct)


@dataclass(frozen=True)
class Quiz:
    passing_score: int
    max_attempts: int
    questions: tuple[Question, ...]

    @property
    def max_points(self) -> int:
        return sum(question.points for question in self.questions)


@dataclass(frozen=True)
class WrittenPart:
    prompt: str
    min_words: int


@dataclass(frozen=True)
class ArtifactsPart:
    prompt: str
    min_items: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    overview: str
    context: WrittenPart
    artifacts: ArtifactsPart
    reflection: WrittenPart
    guidelines: tuple[str, ...]


@dataclass(frozen=True)
class RubricLevel:
    id: str
    name: str
    demonstrated: bool


@dataclass(frozen=True)
class LevelDescriptor:
    level: str
    text: str


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    description: str
    maps_to: str
    levels: tuple[LevelDescriptor, ...]  # in rubric level order, lowest first

    def descriptor(self, level_id: str) -> str:
        for descriptor in self.levels:
            if descriptor.level == level_id:
                return descriptor.text
        raise KeyError(level_id)


@dataclass(frozen=True)
class RubricPassing:
    min_criteria_demonstrated: int


@dataclass(frozen=True)
class Rubric:
    levels: tuple[RubricLevel, ...]  # lowest first
    criteria: tuple[Criterion, ...]
    passing: RubricPassing


@dataclass(frozen=True)
class Badge:
    name: str
    description: str
    image_file: str
    image: bytes
    media_type: str
    alt: str


@dataclass(frozen=True)
class ModulePackage:
    path: Path
    slug: str
    version: int
    title: str
    summary: str
    competency: str
    key_method: KeyMethod
    research: tuple[Research, ...]
    resources: tuple[Resource, ...]
    hours: float
    topics: tuple[str, ...]
    grade_bands: tuple[str, ...]
    standards: tuple[StandardAlignment, ...]
    lessons: tuple[Lesson, ...]
    quiz: Quiz
    evidence: Evidence
    rubric: Rubric
    badge: Badge
    content_hash: str  # sha256 hex over module.yaml, lesson files and the badge image


# --- public functions --------------------------------------------------------------


def discover_packages(root: Path) -> list[Path]:
    """Return the folders directly under `root` that hold a module.yaml, sorted."""
    return sorted(child for child in root.iterdir() if (child / MANIFEST).is_file())


def validate_package(path: Path | str) -> list[Problem]:
    """Check a package folder against the format contract; an empty list means valid."""
    return _inspect(Path(path)).problems


def load_package(path: Path | str) -> ModulePackage:
    """Read a valid package folder; raises LoadError with every problem otherwise."""
    inspection = _inspect(Path(path))
    if inspection.problems:
        raise LoadError(inspection.problems)
    return _build(inspection)


def main(argv: Sequence[str] | None = None) -> int:
    """Validate the package folders named in argv; print problems; 1 if any, else 0.

    `python -m pdhub.learning.packages modules/*/` works before the `pdhub` CLI exists.
    """
    folders = list(sys.argv[1:] if argv is None else argv)
    if not folders:
        print("usage: python -m pdhub.learning.packages MODULE_FOLDER...")
        return 2
    failed = 0
    for folder in folders:
        problems = validate_package(folder)
        for problem in problems:
            print(problem)
        failed += bool(problems)
        print(f"{folder}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if failed else 0


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}


def render_markdown(text: str) -> str:
    """Render CommonMark (raw HTML off, tables, strikethrough) to sanitized HTML."""
    html = _markdown().render(text)
    # markdown-it already refuses javascript:/vbscript: links; nh3 (Ammonia) is the
    # second wall: an allow-list of tags, attributes and URL schemes.
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


# --- quiz scoring ------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    answered: bool
    correct: bool
    points: int
    max_points: int
    feedback: str


@dataclass(frozen=True)
class QuizScore:
    results: tuple[QuestionResult, ...]  # in quiz order
    points: int
    max_points: int
    percent: float
    passing_score: int
    passed: bool


def score_quiz(quiz: Quiz, answers: Mapping[str, Sequence[str] | str]) -> QuizScore:
    """Score answers keyed by question id; all-or-nothing per question.

    Choice answers are choice ids (a list for `multiple`, correct only when the chosen
    set equals the correct set); text answers match an accepted answer ignoring case
    and spacing; numeric answers accept a comma or a period as the decimal mark and
    must lie within the tolerance. Unanswered questions score zero. Raises
    QuizAnswerError for an unknown question or choice id or a malformed answer.
    """
    by_id = {question.id: question for question in quiz.questions}
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        raise QuizAnswerError(f"unknown question id(s): {', '.join(unknown)}")
    results = []
    for question in quiz.questions:
        raw = answers.get(question.id)
        given = _answer_values(question, raw)
        correct = bool(given) and _is_correct(question, given)
        results.append(
            QuestionResult(
                question_id=question.id,
                answered=bool(given),
                correct=correct,
                points=question.points if correct else 0,
                max_points=question.points,
                feedback=(
                    question.feedback.correct
                    if correct
                    else question.feedback.incorrect
                ),
            )
        )
    points = sum(result.points for result in results)
    max_points = quiz.max_points
    return QuizScore(
        results=tuple(results),
        points=points,
        max_points=max_points,
        percent=round(100 * points / max_points, 2) if max_points else 0.0,
        passing_score=quiz.passing_score,
        # Integer comparison: no float rounding decides a pass.
        passed=points * 100 >= quiz.passing_score * max_points,
    )


def _answer_values(question: Question, raw: Sequence[str] | str | None) -> list[str]:
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, Sequence) or not all(isinstance(v, str) for v in values):
        raise QuizAnswerError(f"answer to {question.id} must be text or a list of text")
    if any(len(value) > MAX_ANSWER_CHARS for value in values):
        raise QuizAnswerError(f"answer to {question.id} is too long")
    values = [value for value in values if value.strip()]
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        choice_ids = {choice.id for choice in question.choices}
        stray = sorted(set(values) - choice_ids)
        if stray:
            raise QuizAnswerError(
                f"unknown choice id(s) for {question.id}: {', '.join(stray)}"
            )
    if len(values) > 1 and question.type != QuestionType.MULTIPLE:
        raise QuizAnswerError(f"question {question.id} takes a single answer")
    return values


def _is_correct(question: Question, given: list[str]) -> bool:
    match question.type:
        case QuestionType.SINGLE | QuestionType.MULTIPLE:
            return set(given) == question.correct_choice_ids
        case QuestionType.TEXT:
            answer = normalize_text_answer(given[0])
            return any(answer == normalize_text_answer(a) for a in question.accepted)
        case QuestionType.NUMERIC:
            value = parse_number(given[0])
            if value is None or question.answer is None:
                return False
            slack = 1e-9 * max(1.0, abs(question.answer))  # binary float noise
            return abs(value - question.answer) <= question.tolerance + slack
    return False  # pragma: no cover - the match is exhaustive


def normalize_text_answer(text: str) -> str:
    """Fold case, Unicode compatibility forms and runs of whitespace."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: str) -> float | None:
    """Parse '12.5', '12,5', '1,234.5' or '1.234,5'; None when it is not a number.

    With both marks present the last one is the decimal mark; a lone comma is a
    decimal mark; several commas alone are thousands separators.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f_']", "", text).replace("\u2212", "-")
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal, ".")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    if not _NUMBER.fullmatch(cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


# --- inspection: YAML, schema and semantic checks -----------------------------------


@dataclass
class _Inspection:
    folder: Path
    problems: list[Problem]
    manifest: bytes = b""
    data: Any = None
    lesson_bodies: dict[str, bytes] | None = None
    image: bytes | None = None


class _Reporter:
    """Collects problems, locating module.yaml fields by walking the composed nodes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest = str(folder / MANIFEST)
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
            report.add((), "module.yaml is empty", line=1)
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
        report.add((), "module.yaml must be a mapping of fields at the top level")
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


def _check_schema(data: dict[str, Any], report: _Reporter) -> None:
    seen: set[tuple[Location, str]] = set()
    for error in _validator().iter_errors(data):
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
        loc: Location = ("lessons", index, "file")
        if not isinstance(rel, str) or not rel.endswith(".md"):
            continue  # the schema reports it
        target = _resolve_inside(report.folder, rel)
        if target is None:
            report.add(loc, f"'{rel}' points outside the module folder")
            continue
        if not target.is_file():
            report.add(loc, f"lesson file '{rel}' does not exist")
            continue
        raw = target.read_bytes()
        if len(raw) > MAX_LESSON_BYTES:
            report.add(loc, f"'{rel}' is larger than {MAX_LESSON_BYTES} bytes")
            continue
        bodies[rel] = raw
        text, bad_line, error = _decode(raw)
        if text is None:
            report.add_file(rel, loc, f"lesson file {error}", bad_line)
            continue
        if not text.strip():
            report.add_file(rel, loc, "lesson file is empty", 1)
            continue
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
    _check_minutes(data, lessons, report)
    return bodies


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
    questions = list(_mappings(_mapping(data, "quiz").get("questions")))
    for index, qid in _duplicates(questions, "id"):
        report.add(
            ("quiz", "questions", index, "id"), f"question id '{qid}' is used twice"
        )
    for index, question in questions:
        loc: Location = ("quiz", "questions", index)
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
    return None


# --- building the model from a valid package ---------------------------------------


def _content_hash(inspection: _Inspection, lessons: Sequence[str], image: str) -> str:
    digest = hashlib.sha256()
    parts = [(MANIFEST, inspection.manifest)]
    parts += [(rel, (inspection.lesson_bodies or {})[rel]) for rel in lessons]
    parts.append((image, inspection.image or b""))
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
        quiz=Quiz(
            passing_score=int(data["quiz"]["passing_score"]),
            max_attempts=int(data["quiz"]["max_attempts"]),
            questions=tuple(_build_question(q) for q in data["quiz"]["questions"]),
        ),
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
        ),
        content_hash=_content_hash(
            inspection, [lesson.file for lesson in lessons], image_name
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
