"""Read, validate, render and score the module packages kept in modules/<slug>/."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pdhub.learning.packages.build import load_package, quiz_from_data
from pdhub.learning.packages.markdown import render_markdown
from pdhub.learning.packages.model import (
    ArtifactsPart,
    Badge,
    Choice,
    Criterion,
    Evidence,
    Feedback,
    KeyMethod,
    KeyMethodComponent,
    Lesson,
    LevelDescriptor,
    LoadError,
    ModulePackage,
    Problem,
    Question,
    QuestionType,
    Quiz,
    QuizAnswerError,
    Research,
    Resource,
    Rubric,
    RubricLevel,
    RubricPassing,
    StandardAlignment,
    WrittenPart,
)
from pdhub.learning.packages.quiz import (
    QuestionResult,
    QuizScore,
    normalize_text_answer,
    parse_number,
    score_quiz,
)
from pdhub.learning.packages.validation import (
    discover_packages,
    validate_package,
)

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
    "quiz_from_data",
    "render_markdown",
    "score_quiz",
    "validate_package",
]


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
