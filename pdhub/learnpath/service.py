"""The teacher's self-assessment against the modules' competencies, the modules it
recommends (with the reason) and the path through them with the teacher's progress."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.errors import InvalidInput
from pdhub.learning import localized
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.learnpath.models import LearnerSelfAssessment

#: The scale, lowest first; the first two make a module recommended.
LEVELS = ("beginning", "developing", "confident")
RECOMMENDING = ("beginning", "developing")
LEVEL_LABELS = {
    "beginning": _l("Beginning"),
    "developing": _l("Developing"),
    "confident": _l("Confident"),
}
LEVEL_HINTS = {
    "beginning": _l("new to this, or not yet sure how"),
    "developing": _l("doing it sometimes, want to grow"),
    "confident": _l("doing it well and often"),
}
#: The levels as they read inside a sentence ("you rated yourself beginning on ...").
LEVEL_WORDS = {
    "beginning": _l("beginning"),
    "developing": _l("developing"),
    "confident": _l("confident"),
}
STATUS_LABELS = {
    "done": _l("done"),
    "in_progress": _l("in progress"),
    "not_started": _l("not started"),
}


@dataclass(frozen=True)
class Item:
    """One self-assessment question: a competency of a current module."""

    key: str  # "<module slug>/<competency id>"
    module_slug: str
    module_title: str
    text: str  # in the reader's language (English or Spanish)
    divide: str | None
    #: The language of module_title when it is not the reader's (a module with no
    #: edition in their language), for a ``lang`` attribute; else empty.
    title_language: str = ""


@dataclass(frozen=True)
class Step:
    """One recommended module on the teacher's path."""

    module_slug: str
    module_title: str
    level: str
    skill: str
    status: str  # done, in_progress or not_started
    title_language: str = ""

    @property
    def level_word(self) -> str:
        return str(LEVEL_WORDS[self.level])

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _text(competency: Mapping[str, str], language: str) -> str:
    return competency.get(language) or competency["en"]


def items(session: DbSession, language: str) -> list[Item]:
    """Every competency of the current modules, module by module in title order."""
    modules = session.scalars(
        select(Module).where(Module.is_current.is_(True)).order_by(Module.title)
    ).all()
    found: list[Item] = []
    for module in modules:
        title = localized.title_in(module, language)
        title_language = localized.language_for(module, language)
        if title_language == language:
            title_language = ""
        for competency in module.competencies or []:
            found.append(
                Item(
                    key=f"{module.slug}/{competency['id']}",
                    module_slug=module.slug,
                    module_title=title,
                    text=_text(competency, language),
                    divide=competency.get("divide"),
                    title_language=title_language,
                )
            )
    return found


def latest(session: DbSession, user: User) -> LearnerSelfAssessment | None:
    found: LearnerSelfAssessment | None = session.scalar(
        select(LearnerSelfAssessment).where(LearnerSelfAssessment.user_id == user.id)
    )
    return found


def save(
    session: DbSession, user: User, answers: Mapping[str, str], known: set[str]
) -> LearnerSelfAssessment:
    """Keep ``answers`` as the teacher's latest self-assessment (replacing the last).
    Items left blank are not kept; at least one must be answered."""
    kept = {
        key: level for key, level in answers.items() if key in known and level in LEVELS
    }
    if not kept:
        raise InvalidInput(str(_l("Rate yourself on at least one skill.")))
    record = latest(session, user)
    if record is None:
        record = LearnerSelfAssessment(user_id=user.id, answers=kept, times_taken=1)
        session.add(record)
    else:
        record.answers = kept
        record.times_taken += 1
        record.taken_at = utcnow()
    session.flush()
    return record


def _statuses(session: DbSession, user: User) -> dict[str, str]:
    """By module slug (any version): done, in_progress, else absent."""
    rows = session.execute(
        select(Module.slug, Enrollment.status)
        .join(Enrollment, Enrollment.module_id == Module.id)
        .where(Enrollment.user_id == user.id)
    ).all()
    found: dict[str, str] = {}
    for slug, status in rows:
        if status is EnrollmentStatus.COMPLETED:
            found[slug] = "done"
        elif status is EnrollmentStatus.IN_PROGRESS and found.get(slug) != "done":
            found[slug] = "in_progress"
    return found


def path(session: DbSession, user: User, language: str) -> list[Step] | None:
    """The recommended modules in the order to take them (those rated beginning first,
    then developing; by title within each), each with the reason and the teacher's
    progress; None when the teacher has not taken the self-assessment."""
    record = latest(session, user)
    if record is None:
        return None
    weakest: dict[str, tuple[int, Item]] = {}
    for item in items(session, language):
        level = record.answers.get(item.key)
        if level not in RECOMMENDING:
            continue
        rank = RECOMMENDING.index(level)
        if item.module_slug not in weakest or rank < weakest[item.module_slug][0]:
            weakest[item.module_slug] = (rank, item)
    statuses = _statuses(session, user)
    ordered = sorted(weakest.values(), key=lambda pair: (pair[0], pair[1].module_title))
    return [
        Step(
            module_slug=item.module_slug,
            module_title=item.module_title,
            level=RECOMMENDING[rank],
            skill=item.text,
            status=statuses.get(item.module_slug, "not_started"),
            title_language=item.title_language,
        )
        for rank, item in ordered
    ]
