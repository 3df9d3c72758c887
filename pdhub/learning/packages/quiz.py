"""Scoring knowledge-check answers against a package's quiz."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pdhub.learning.packages.model import (
    MAX_ANSWER_CHARS,
    Question,
    QuestionType,
    Quiz,
    QuizAnswerError,
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
