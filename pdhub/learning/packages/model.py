"""The module package model: the dataclasses a valid package becomes, and problems."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "module.yaml"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "module.schema.json"
TRANSLATION_SCHEMA_PATH = SCHEMA_PATH.with_name("module-translation.schema.json")
#: The folder of a package holding its translations: <language>.yaml and, for each
#: language, a folder of lesson files.
TRANSLATIONS_FOLDER = "translations"
# Limits keep a hostile or mistaken package from exhausting the importer or the worker.
MAX_MANIFEST_BYTES = 256 * 1024
MAX_LESSON_BYTES = 256 * 1024
MAX_IMAGE_BYTES = 1024 * 1024
MAX_ANSWER_CHARS = 2000
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

Location = tuple[str | int, ...]


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
    lesson: str | None = None  # the slug of the lesson to review when it is missed

    @property
    def correct_choice_ids(self) -> frozenset[str]:
        return frozenset(choice.id for choice in self.choices if choice.correct)


@dataclass(frozen=True)
class Quiz:
    passing_score: int
    max_attempts: int
    questions: tuple[Question, ...]
    # How many of the questions one attempt asks (all of them when None).
    questions_per_attempt: int | None = None

    @property
    def max_points(self) -> int:
        return sum(question.points for question in self.questions)

    @property
    def asked_per_attempt(self) -> int:
        return min(
            self.questions_per_attempt or len(self.questions), len(self.questions)
        )

    def only(self, question_ids: Sequence[str]) -> Quiz:
        """The same check with just ``question_ids``, in that order (one attempt's
        paper); unknown ids raise KeyError."""
        by_id = {question.id: question for question in self.questions}
        return dataclasses.replace(
            self,
            questions=tuple(by_id[qid] for qid in question_ids),
            questions_per_attempt=None,
        )


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
    #: The counts of the class-level access inventory the evidence page asks for
    #: (module.yaml's optional ``evidence.access_inventory.counts``); empty when none.
    access_inventory: tuple[str, ...] = ()


@dataclass(frozen=True)
class Competency:
    """One self-assessment item: a skill the module builds, in English and Spanish."""

    id: str
    en: str
    es: str
    divide: str | None = None


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
    # How long a credential of this badge is valid (None: it does not expire).
    valid_for_days: int | None = None
    # How it is renewed: "knowledge_check" again, or a "reflection" a coach reviews.
    renewal: str = "knowledge_check"


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
    #: By language: the module's texts in that language (translations.translated_texts).
    translations: Mapping[str, Mapping[str, Any]] = dataclasses.field(
        default_factory=dict
    )
    #: The self-assessment areas and divides the module addresses (module.yaml's
    #: optional ``equity``); empty when it declares none.
    equity_areas: tuple[str, ...] = ()
    equity_divides: tuple[str, ...] = ()
    #: The optional pre/post and follow-up survey (module.yaml's ``survey``), as
    #: validated: {"items": [{"id", "text"}], "follow_up": [...]}; empty when none.
    survey: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: The skills teachers rate themselves on (module.yaml's optional ``competencies``).
    competencies: tuple[Competency, ...] = ()
