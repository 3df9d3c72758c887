"""Professional learning done elsewhere: a teacher logs it with its certificate; a
school leader of their school (when the district asks for two stages) and then the
district administrator approve it or return it with a reason; the teacher is told
of each decision in the language they wrote in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.db import DbSession, utcnow
from pdhub.districts.assignments import district_today
from pdhub.districts.credit import policy_for
from pdhub.districts.models import (
    ApprovalStage,
    District,
    ExternalDecision,
    ExternalLearning,
    ExternalStatus,
)
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.i18n import DEFAULT_LANGUAGE, LANGUAGES
from pdhub.notifications import service as notifications
from pdhub.submissions.service import safe_filename
from pdhub.submissions.storage import TYPES_IN_WORDS, FileStore, sniff_media_type

#: Hours one record may claim (a week-long institute is about 40; a semester
#: course about 45 contact hours): past this it is a typo.
MAX_HOURS = 500.0
WAITING = (ExternalStatus.WITH_SCHOOL, ExternalStatus.WITH_DISTRICT)

STATUS_LABELS = {
    ExternalStatus.WITH_SCHOOL: _l("Waiting for your school leader"),
    ExternalStatus.WITH_DISTRICT: _l("Waiting for the district"),
    ExternalStatus.APPROVED: _l("Approved"),
    ExternalStatus.RETURNED: _l("Returned"),
}


def status_label(status: ExternalStatus) -> str:
    return str(STATUS_LABELS[status])


@dataclass(frozen=True)
class Certificate:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Details:
    title: str
    provider: str
    started_on: date
    ended_on: date
    hours: float
    description: str = ""


def _check(district: District, details: Details) -> None:
    if not details.title.strip():
        raise InvalidInput(_("Enter the title of the learning."), field="title")
    if not details.provider.strip():
        raise InvalidInput(_("Enter who provided it."), field="provider")
    if details.ended_on < details.started_on:
        raise InvalidInput(
            _("The end date is before the start date."), field="ended_on"
        )
    if details.ended_on > district_today(district):
        raise InvalidInput(
            _("Log learning once it is over: the end date is in the future."),
            field="ended_on",
        )
    if not 0 < details.hours <= MAX_HOURS:
        raise InvalidInput(
            _(
                "Enter a number of hours greater than 0 and at most %(max)d.",
                max=int(MAX_HOURS),
            ),
            field="hours",
        )


def _store_certificate(
    record: ExternalLearning, certificate: Certificate, store: FileStore, max_bytes: int
) -> None:
    content = certificate.content
    if not content:
        raise InvalidInput(
            _("The file is empty. Please choose another one."), field="certificate"
        )
    if len(content) > max_bytes:
        raise InvalidInput(
            _(
                "The file is %(size)s MB; the limit is %(limit)d MB. "
                "Please choose a smaller file.",
                size=format(len(content) / 1048576, ".1f"),
                limit=max_bytes // 1048576,
            ),
            field="certificate",
        )
    media_type = sniff_media_type(content)
    if media_type is None:
        raise InvalidInput(
            _(
                "%(name)s isn't a file type we accept (we check what is inside the "
                "file, not its name). Upload %(types)s.",
                name=safe_filename(certificate.filename),
                types=_(TYPES_IN_WORDS),
            ),
            field="certificate",
        )
    record.certificate_filename = safe_filename(certificate.filename)
    record.certificate_media_type = media_type
    record.certificate_size = len(content)
    record.certificate_sha256 = hashlib.sha256(content).hexdigest()
    record.certificate_key = store.save(content)


def _first_stage(
    session: DbSession, district: District, teacher: User
) -> ExternalStatus:
    """With the school leader first when the district asks for two stages and the
    teacher's school has one; else straight to the district (no request waits for
    a leader who does not exist)."""
    if not policy_for(session, district.id).two_stage or teacher.school_id is None:
        return ExternalStatus.WITH_DISTRICT
    has_leader = session.scalar(
        select(
            exists().where(
                User.role == Role.SCHOOL_LEADER,
                User.active.is_(True),
                User.district_id == district.id,
                User.school_id == teacher.school_id,
            )
        )
    )
    return ExternalStatus.WITH_SCHOOL if has_leader else ExternalStatus.WITH_DISTRICT


def log(
    session: DbSession,
    actor: User,
    details: Details,
    certificate: Certificate | None,
    store: FileStore,
    *,
    max_bytes: int,
    language: str,
    record: ExternalLearning | None = None,
) -> ExternalLearning:
    """Log new learning done elsewhere, or correct and send again a returned record
    (its certificate kept unless a new one comes). Raises PermissionDenied,
    InvalidInput."""
    if actor.role is not Role.TEACHER or actor.district_id is None:
        raise PermissionDenied(
            _("Only a teacher in a district can log learning for approval.")
        )
    district = session.get(District, actor.district_id)
    if district is None:
        raise PermissionDenied(_("You are not in a district."))
    if record is not None and (
        record.user_id != actor.id or record.status is not ExternalStatus.RETURNED
    ):
        raise Conflict(_("Only returned learning can be changed and sent again."))
    _check(district, details)
    if record is None:
        if certificate is None:
            raise InvalidInput(
                _("Attach the certificate or proof of attendance."),
                field="certificate",
            )
        record = ExternalLearning(district_id=district.id, user_id=actor.id)
    if certificate is not None:
        _store_certificate(record, certificate, store, max_bytes)
    record.title = details.title.strip()[:200]
    record.provider = details.provider.strip()[:200]
    record.started_on = details.started_on
    record.ended_on = details.ended_on
    record.hours = round(details.hours, 2)
    record.description = details.description.strip()
    record.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    record.status = _first_stage(session, district, actor)
    record.submitted_at = utcnow()
    record.decided_at = None
    session.add(record)
    session.flush()
    tell_approvers(session, record, actor)
    return record


def approvers(
    session: DbSession, record: ExternalLearning, teacher: User
) -> list[User]:
    """Who decides ``record`` at its stage now: the active school leaders of the
    teacher's school, or the district's active administrators."""
    if record.status is ExternalStatus.WITH_SCHOOL:
        role_and_place = [
            User.role == Role.SCHOOL_LEADER,
            User.school_id == (teacher.school_id or -1),
        ]
    elif record.status is ExternalStatus.WITH_DISTRICT:
        role_and_place = [User.role == Role.DISTRICT_ADMIN]
    else:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.district_id == record.district_id,
                User.active.is_(True),
                User.id != teacher.id,
                *role_and_place,
            )
            .order_by(User.id)
        )
    )


def tell_approvers(session: DbSession, record: ExternalLearning, teacher: User) -> None:
    """Tell each approver at the record's stage that it waits for them, in the app
    and by email, each in their own language. Once per stage and sending: the key
    holds the number of decisions so far, so a request sent again after a return is
    news again."""
    link = notifications.link_for("districts.approval", record_id=record.id)
    stage = record.status.value
    hours = f"{record.hours:g}"
    messages = [
        notifications.Message(
            key=f"external:{record.id}:{len(record.decisions)}:{stage}:to:{person.id}",
            to=person,
            text=_l(
                "%(teacher)s asks you to approve “%(title)s” (%(hours)s hours).",
                teacher=teacher.name,
                title=record.title,
                hours=hours,
            ),
            link=link,
            subject=_l("Waiting for your approval: %(title)s", title=record.title),
            template="external_learning_waiting",
            context={
                "person": person,
                "teacher": teacher,
                "record": record,
                "hours": hours,
                "school_approved": stage == ExternalStatus.WITH_DISTRICT.value
                and any(d.approved for d in record.decisions),
                "link": link,
            },
        )
        for person in approvers(session, record, teacher)
    ]
    if messages:
        notifications.tell(session, *messages)


# --- who sees and decides -------------------------------------------------------------


def can_see(actor: User, record: ExternalLearning) -> bool:
    if actor.id == record.user_id:
        return True
    if actor.district_id != record.district_id:
        return False
    if actor.role is Role.DISTRICT_ADMIN:
        return True
    return (
        actor.role is Role.SCHOOL_LEADER
        and actor.school_id is not None
        and record.user.school_id == actor.school_id
    )


def stage_for(actor: User, record: ExternalLearning) -> ApprovalStage | None:
    """The stage ``actor`` may decide ``record`` at now, if any."""
    if actor.district_id != record.district_id or actor.id == record.user_id:
        return None
    if actor.role is Role.DISTRICT_ADMIN and (
        record.status is ExternalStatus.WITH_DISTRICT
    ):
        return ApprovalStage.DISTRICT
    if (
        actor.role is Role.SCHOOL_LEADER
        and record.status is ExternalStatus.WITH_SCHOOL
        and actor.school_id is not None
        and record.user.school_id == actor.school_id
    ):
        return ApprovalStage.SCHOOL
    return None


def get(session: DbSession, actor: User, record_id: int) -> ExternalLearning:
    """The record if ``actor`` may see it; NotFound otherwise (also for another
    district's: nobody learns it exists)."""
    record = session.get(
        ExternalLearning,
        record_id,
        options=[joinedload(ExternalLearning.user).joinedload(User.school)],
    )
    if record is None or not can_see(actor, record):
        raise NotFound(_("There is no such request."))
    return record


def _visible(actor: User) -> list[object]:
    """Conditions for the records ``actor`` may see as an approver."""
    conditions: list[object] = [ExternalLearning.district_id == actor.district_id]
    if actor.role is Role.SCHOOL_LEADER:
        conditions.append(User.school_id == (actor.school_id or -1))
    elif actor.role is not Role.DISTRICT_ADMIN:
        conditions.append(ExternalLearning.id == -1)
    return conditions


def _records(
    session: DbSession, actor: User, *conditions: object
) -> list[ExternalLearning]:
    return list(
        session.scalars(
            select(ExternalLearning)
            .join(User, User.id == ExternalLearning.user_id)
            .where(*_visible(actor), *conditions)  # type: ignore[arg-type]  # SQL expressions
            .options(
                joinedload(ExternalLearning.user).joinedload(User.school),
                selectinload(ExternalLearning.decisions),
            )
            .order_by(ExternalLearning.submitted_at, ExternalLearning.id)
            .limit(500)
        )
    )


@dataclass(frozen=True)
class Queue:
    mine: list[ExternalLearning]  # waiting for the viewer's decision
    elsewhere: list[ExternalLearning]  # waiting at the other stage
    decided: list[ExternalLearning]  # approved or returned, newest first


def queue(session: DbSession, actor: User) -> Queue:
    mine_status = (
        ExternalStatus.WITH_SCHOOL
        if actor.role is Role.SCHOOL_LEADER
        else ExternalStatus.WITH_DISTRICT
    )
    waiting = _records(session, actor, ExternalLearning.status.in_(WAITING))
    decided = session.scalars(
        select(ExternalLearning)
        .join(User, User.id == ExternalLearning.user_id)
        .where(
            *_visible(actor),  # type: ignore[arg-type]  # SQL expressions
            or_(
                ExternalLearning.status == ExternalStatus.APPROVED,
                ExternalLearning.status == ExternalStatus.RETURNED,
            ),
        )
        .options(joinedload(ExternalLearning.user).joinedload(User.school))
        .order_by(ExternalLearning.decided_at.desc(), ExternalLearning.id.desc())
        .limit(50)
    )
    return Queue(
        [r for r in waiting if r.status is mine_status],
        [r for r in waiting if r.status is not mine_status],
        list(decided),
    )


def mine(session: DbSession, user: User) -> list[ExternalLearning]:
    """A teacher's own records, newest first."""
    return list(
        session.scalars(
            select(ExternalLearning)
            .where(ExternalLearning.user_id == user.id)
            .options(selectinload(ExternalLearning.decisions))
            .order_by(ExternalLearning.ended_on.desc(), ExternalLearning.id.desc())
        )
    )


def decide(
    session: DbSession,
    actor: User,
    record_id: int,
    *,
    approve: bool,
    reason: str = "",
) -> ExternalLearning:
    """Approve ``record_id`` at the actor's stage (a school leader's approval sends it
    on to the district) or return it with a reason; the teacher is told. The row is
    locked, so two approvers deciding at once make one decision.
    Raises NotFound, PermissionDenied, Conflict, InvalidInput."""
    record = session.get(
        ExternalLearning, record_id, with_for_update=True, populate_existing=True
    )
    if record is None or not can_see(actor, record):
        raise NotFound(_("There is no such request."))
    if actor.role not in (Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER):
        raise PermissionDenied(_("Only a school leader or the district decides."))
    stage = stage_for(actor, record)
    if stage is None:
        raise Conflict(
            _("This request is not waiting for your decision any more: %(status)s.",
              status=status_label(record.status).lower())
        )  # fmt: skip
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput(
            _("Say why you are returning it, so the teacher can put it right."),
            field="reason",
        )
    decision = ExternalDecision(
        stage=stage, approved=approve, reason=reason, decided_by_id=actor.id
    )
    record.decisions.append(decision)
    audit.record(
        session,
        AuditAction.REVIEW_DECISION,
        actor=actor,
        subject_id=record.user_id,
        district_id=record.district_id,
        object_type="external_learning",
        object_id=record.id,
        detail={"approved": approve, "stage": stage.value},
    )
    if not approve:
        record.status = ExternalStatus.RETURNED
        record.decided_at = utcnow()
    elif stage is ApprovalStage.SCHOOL:
        record.status = ExternalStatus.WITH_DISTRICT
    else:
        record.status = ExternalStatus.APPROVED
        record.decided_at = utcnow()
    session.flush()
    _tell(session, record, decision)
    if record.status is ExternalStatus.WITH_DISTRICT:
        tell_approvers(session, record, record.user)
    return record


def _tell(
    session: DbSession, record: ExternalLearning, decision: ExternalDecision
) -> None:
    link = notifications.link_for("external.detail", record_id=record.id)
    with force_locale(record.language):
        if not decision.approved:
            text = _(
                "Your learning “%(title)s” was returned: %(reason)s",
                title=record.title,
                reason=decision.reason,
            )
            subject = _("Returned: %(title)s", title=record.title)
        elif record.status is ExternalStatus.WITH_DISTRICT:
            text = _(
                "Your school leader approved “%(title)s”. It now goes to the district.",
                title=record.title,
            )
            subject = _("Approved by your school: %(title)s", title=record.title)
        else:
            hours = f"{record.hours:g}"
            text = ngettext(
                "The district approved “%(title)s”: %(hours)s hour counts in your "
                "record.",
                "The district approved “%(title)s”: %(hours)s hours count in your "
                "record.",
                1 if hours == "1" else 2,
                title=record.title,
                hours=hours,
            )
            subject = _("Approved: %(title)s", title=record.title)
        notifications.tell(
            session,
            notifications.Message(
                key=f"external:{record.id}:decision:{decision.id}",
                to=record.user,
                text=str(text),
                link=link,
                subject=str(subject),
                template="external_learning_decision",
                context={
                    "person": record.user,
                    "record": record,
                    "decision": decision,
                    "returned": not decision.approved,
                    "waiting_for_district": record.status
                    is ExternalStatus.WITH_DISTRICT,
                    "link": link,
                },
            ),
        )
