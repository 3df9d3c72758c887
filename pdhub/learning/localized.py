"""A module's texts in a language: the stored translation where the module has one,
English otherwise.

Structure never changes with the language: ids, order, correct answers, points and
limits are always the English module's (``Module`` columns); only texts are swapped.
Views hand templates a :class:`LocalizedModule` in place of the ``Module``, so the
templates read ``module.title`` or ``module.rubric`` as before.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from flask_babel.speaklater import LazyString
from markupsafe import Markup

from pdhub.i18n import DEFAULT_LANGUAGE
from pdhub.learning.models import Lesson, Module
from pdhub.learning.packages import Quiz


def current_language() -> str:
    """The language being spoken: the request's (Flask-Babel's locale), or the one a
    message is forced to (``flask_babel.force_locale``, as for an email in its
    recipient's language from a worker); English outside an app context."""
    from flask_babel import get_locale

    locale = get_locale()  # None outside an app context
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def language_for(module: Module, wanted: str) -> str:
    """``wanted`` when ``module`` has its texts in it, else English."""
    return wanted if wanted in (module.translations or {}) else DEFAULT_LANGUAGE


def _texts(module: Module, language: str) -> Mapping[str, Any] | None:
    if language == DEFAULT_LANGUAGE:
        return None
    found = (module.translations or {}).get(language)
    return found if isinstance(found, Mapping) else None


class LocalizedLesson:
    """A lesson whose title and body are in the module's chosen language."""

    def __init__(self, lesson: Lesson, texts: Mapping[str, Any] | None) -> None:
        self.lesson = lesson
        self._texts = texts or {}

    @property
    def title(self) -> str:
        return str(self._texts.get("title") or self.lesson.title)

    @property
    def body_html(self) -> str:
        return str(self._texts.get("body_html") or self.lesson.body_html)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lesson, name)


class LocalizedModule:
    """``module`` with its texts in ``wanted`` where it has them (else English).

    ``language`` is the language the texts are in; ``english_only`` says the reader
    wanted another language the module does not have; ``lang_attr`` is a ``lang``
    attribute for elements holding module texts when they differ from the page's
    language, so screen readers pronounce them right.
    """

    def __init__(self, module: Module, wanted: str, page_language: str | None = None):
        self.module = module
        self.wanted = wanted
        self.language = language_for(module, wanted)
        self.page_language = page_language or wanted
        self._t: Mapping[str, Any] = _texts(module, self.language) or {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)

    @property
    def english_only(self) -> bool:
        return self.wanted != DEFAULT_LANGUAGE and self.language == DEFAULT_LANGUAGE

    @property
    def lang_attr(self) -> Markup:
        if self.language == self.page_language:
            return Markup("")
        return Markup(' lang="%s"') % self.language

    def _text(self, key: str) -> str:
        return str(self._t.get(key) or getattr(self.module, key))

    @property
    def title(self) -> str:
        return self._text("title")

    @property
    def summary(self) -> str:
        return self._text("summary")

    @property
    def competency(self) -> str:
        return self._text("competency")

    @property
    def badge_name(self) -> str:
        return str(self._t.get("badge", {}).get("name") or self.module.badge_name)

    @property
    def badge_description(self) -> str:
        return str(
            self._t.get("badge", {}).get("description") or self.module.badge_description
        )

    @property
    def badge_alt(self) -> str:
        return str(self._t.get("badge", {}).get("alt") or self.module.badge_alt)

    @property
    def key_method(self) -> dict[str, Any]:
        return localized_key_method(self.module.key_method, self._t)

    @property
    def research(self) -> list[dict[str, Any]]:
        notes = self._t.get("research") or []
        found = copy.deepcopy(self.module.research)
        for item, theirs in zip(found, notes, strict=False):
            if theirs.get("note"):
                item["note"] = theirs["note"]
        return found

    @property
    def resources(self) -> list[dict[str, Any]]:
        texts = self._t.get("resources") or []
        found = copy.deepcopy(self.module.resources)
        for item, theirs in zip(found, texts, strict=False):
            item["title"] = theirs.get("title") or item["title"]
            if theirs.get("description"):
                item["description"] = theirs["description"]
        return found

    @property
    def evidence(self) -> dict[str, Any]:
        return localized_evidence(self.module.evidence, self._t)

    @property
    def rubric(self) -> dict[str, Any]:
        return localized_rubric(self.module.rubric, self._t)

    @property
    def lessons(self) -> list[LocalizedLesson]:
        texts = self._t.get("lessons") or {}
        return [
            LocalizedLesson(lesson, texts.get(lesson.slug))
            for lesson in self.module.lessons
        ]

    def localize_lesson(self, lesson: Lesson) -> LocalizedLesson:
        return LocalizedLesson(lesson, (self._t.get("lessons") or {}).get(lesson.slug))

    def localize_quiz(self, quiz: Quiz) -> Quiz:
        """``quiz`` (a paper of this module's check) with its texts in the language."""
        return localized_quiz(quiz, self._t)

    def feedback(self, question_id: str, correct: bool) -> str | None:
        """A question's feedback in the language; None when it has none there."""
        question = (self._t.get("quiz") or {}).get(question_id) or {}
        found = question.get("feedback", {}).get("correct" if correct else "incorrect")
        return str(found) if found else None


def localized(
    module: Module | LocalizedModule, wanted: str | None = None
) -> LocalizedModule:
    """``module`` in ``wanted`` (the language being spoken when not given); a module
    already localized is localized again from its English texts."""
    if isinstance(module, LocalizedModule):
        module = module.module
    page = current_language()
    return LocalizedModule(module, wanted or page, page)


def title_in(module: Module, language: str) -> str:
    """The module's title in ``language`` where it has one, else in English: for a
    message whose reader is not the one making the request (an email or a note to
    its recipient, in the recipient's language)."""
    return LocalizedModule(module, language).title


def badge_name_in(module: Module, language: str) -> str:
    """The module's badge name in ``language`` where it has one, else in English."""
    return LocalizedModule(module, language).badge_name


def lazy_title(module: Module) -> LazyString:
    """The module's title in whatever language is spoken when it is read: a message
    built by one person (a coach) and written for another (a teacher) reads it in the
    recipient's language once ``notifications.service.tell`` forces that."""
    return LazyString(lambda: title_in(module, current_language()))


def lazy_badge_name(module: Module) -> LazyString:
    """The badge's name in the language spoken when it is read (see lazy_title)."""
    return LazyString(lambda: badge_name_in(module, current_language()))


# --- sections ---------------------------------------------------------------------


def localized_key_method(
    english: Mapping[str, Any], texts: Mapping[str, Any]
) -> dict[str, Any]:
    theirs = texts.get("key_method")
    return copy.deepcopy(dict(theirs if theirs else english))


def localized_evidence(
    english: Mapping[str, Any], texts: Mapping[str, Any]
) -> dict[str, Any]:
    found = copy.deepcopy(dict(english))
    theirs = texts.get("evidence")
    if not theirs:
        return found
    found["overview"] = theirs["overview"]
    for part in ("context", "artifacts", "reflection"):
        found[part]["prompt"] = theirs[part]["prompt"]
    if theirs["artifacts"].get("examples"):
        found["artifacts"]["examples"] = list(theirs["artifacts"]["examples"])
    found["guidelines"] = list(theirs["guidelines"])
    return found


def localized_rubric(
    english: Mapping[str, Any], texts: Mapping[str, Any]
) -> dict[str, Any]:
    found = copy.deepcopy(dict(english))
    theirs = texts.get("rubric")
    if not theirs:
        return found
    for level in found.get("levels", []):
        level["name"] = theirs["levels"].get(level["id"], level["name"])
    for criterion in found.get("criteria", []):
        translated = theirs["criteria"].get(criterion["id"])
        if translated:
            criterion["name"] = translated["name"]
            criterion["description"] = translated["description"]
            criterion["levels"] = {
                level_id: translated["levels"].get(level_id, text)
                for level_id, text in criterion["levels"].items()
            }
    return found


def localized_quiz(quiz: Quiz, texts: Mapping[str, Any]) -> Quiz:
    """The same questions and choices, in the same order, with translated texts."""
    theirs = texts.get("quiz")
    if not theirs:
        return quiz
    questions = []
    for question in quiz.questions:
        translated = theirs.get(question.id)
        if not translated:
            questions.append(question)
            continue
        choices = translated.get("choices", {})
        questions.append(
            dataclasses.replace(
                question,
                prompt=translated["prompt"],
                feedback=dataclasses.replace(
                    question.feedback,
                    correct=translated["feedback"]["correct"],
                    incorrect=translated["feedback"]["incorrect"],
                ),
                choices=tuple(
                    dataclasses.replace(
                        choice, text=choices.get(choice.id, choice.text)
                    )
                    for choice in question.choices
                ),
            )
        )
    return dataclasses.replace(quiz, questions=tuple(questions))
