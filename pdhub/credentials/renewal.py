"""Renewing a badge that expires: the teacher opens a renewal (within 60 days of
its validUntil, or after it lapsed) and re-demonstrates what the module asks
(``Module.renewal``): passes its knowledge check again (the grading that sees the
pass issues the renewed credential, once), or writes a reflection on continued
practice that a coach who serves them reviews: renewed, or returned with feedback
to send again."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pdhub.accounts.models import User
from pdhub.credentials import service
from pdhub.credentials.models import Award, IssuedCredential, Renewal
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.learning.localized import badge_name_in
from pdhub.learning.models import Enrollment, Module, QuizAttempt
from pdhub.notifications import service as notifications
from pdhub.review import policies as review_policies

#: How a module's badge is renewed (``Module.renewal``).
KNOWLEDGE_CHECK = "knowledge_check"
REFLECTION = "reflection"
#: A reflection on continued practice is this long, in characters.
REFLECTION_MIN = 100
REFLECTION_MAX = 4000
#: Feedback with a returned reflection.
FEEDBACK_MAX = 2000

#: How long before its end a badge may be renewed.
WINDOW_DAYS = 60


def can_renew(credential: IssuedCredential) -> bool:
    return (
        credential.valid_until is not None
        and credential.revoked_at is None
        and credential.suspended_at is None
        and credential.replaced_by_id is None
        and credential.current_award_id is not None
        and credential.valid_until - utcnow() <= timedelta(days=WINDOW_DAYS)
    )


def start(session: DbSession, actor: User, credential: IssuedCredential) -> Renewal:
    """Open the renewal of the teacher's own badge (once; again returns it)."""
    if credential.user_id != actor.id:
        raise PermissionDenied(_("Only the badge's owner can renew it."))
    found = session.scalar(
        select(Renewal).where(Renewal.credential_id == credential.id)
    )
    if found is not None:
        return found
    if not can_renew(credential):
        raise Conflict(
            _("This badge can be renewed in the 60 days before it expires, or after.")
        )
    renewal = Renewal(
        credential_id=credential.id,
        enrollment_id=credential.award.enrollment_id,
        started_at=utcnow(),
    )
    session.add(renewal)
    session.flush()
    return renewal


def open_for(session: DbSession, enrollment: Enrollment) -> Renewal | None:
    """The enrollment's renewal waiting for a passed knowledge check, if any."""
    return session.scalar(
        select(Renewal)
        .where(Renewal.enrollment_id == enrollment.id, Renewal.finished_at.is_(None))
        .order_by(Renewal.id.desc())
        .limit(1)
    )


def finish_if_renewing(
    session: DbSession, attempt: QuizAttempt
) -> IssuedCredential | None:
    """After a passed attempt: issue the renewal it was taken for (once)."""
    if not attempt.passed:
        return None
    renewal = session.scalar(
        select(Renewal)
        .where(
            Renewal.enrollment_id == attempt.enrollment_id,
            Renewal.finished_at.is_(None),
            Renewal.started_at <= attempt.submitted_at,
        )
        .with_for_update()
    )
    if renewal is None or renewal.credential.award.module.renewal == REFLECTION:
        return None
    renewed = service.renew_credential(session, renewal.credential)
    renewal.finished_at = utcnow()
    renewal.renewed_credential_id = renewed.id
    session.flush()
    return renewed


# --- renewal by a reflection a coach reviews ---------------------------------------


def by_reflection(credential: IssuedCredential) -> bool:
    return credential.award.module.renewal == REFLECTION


def own_renewal(
    session: DbSession, actor: User, credential: IssuedCredential
) -> Renewal:
    """The teacher's open renewal of ``credential`` (NotFound when none)."""
    found = session.scalar(
        select(Renewal).where(Renewal.credential_id == credential.id)
    )
    if found is None or credential.user_id != actor.id:
        raise NotFound(_("This badge has no renewal in progress."))
    return found


def submit_reflection(
    session: DbSession, actor: User, renewal: Renewal, text: str
) -> Renewal:
    """Send the reflection to the coaches who serve the teacher (again after it was
    returned; its text replaces the earlier one)."""
    credential = renewal.credential
    if credential.user_id != actor.id:
        raise PermissionDenied(_("Only the badge's owner can renew it."))
    if not by_reflection(credential):
        raise Conflict(_("This badge is renewed by passing its knowledge check."))
    if renewal.finished_at is not None:
        raise Conflict(_("This badge is already renewed."))
    if renewal.submitted_at is not None:
        raise Conflict(_("Your reflection is with a coach already."))
    text = text.strip()
    if not REFLECTION_MIN <= len(text) <= REFLECTION_MAX:
        raise InvalidInput(
            _(
                "Write between %(min)d and %(max)d characters (you wrote %(count)d).",
                min=REFLECTION_MIN,
                max=REFLECTION_MAX,
                count=len(text),
            ),
            field="reflection",
        )
    renewal.reflection_text = text
    renewal.submitted_at = utcnow()
    session.flush()
    return renewal


def waiting_for(session: DbSession, coach: User) -> list[Renewal]:
    """Reflections sent and not yet decided, of teachers the coach serves (the
    oldest first; never the coach's own)."""
    return list(
        session.scalars(
            select(Renewal)
            .join(IssuedCredential, IssuedCredential.id == Renewal.credential_id)
            .join(User, User.id == IssuedCredential.user_id)
            .options(
                joinedload(Renewal.credential)
                .joinedload(IssuedCredential.award)
                .joinedload(Award.module),
                joinedload(Renewal.credential).joinedload(IssuedCredential.user),
            )
            .where(
                Renewal.submitted_at.is_not(None),
                Renewal.finished_at.is_(None),
                User.id != coach.id,
                review_policies.scope_clause(coach),
            )
            .order_by(Renewal.submitted_at, Renewal.id)
        ).unique()
    )


def for_review(session: DbSession, coach: User, renewal_id: int) -> Renewal:
    """A renewal the coach may decide (NotFound for anyone else's teachers)."""
    renewal = session.get(Renewal, renewal_id)
    if (
        renewal is None
        or renewal.submitted_at is None
        or not review_policies.can_review(session, coach, renewal.credential.user)
    ):
        raise NotFound(_("No renewal waiting for you has that number."))
    return renewal


def _told(renewal: Renewal, renewed: bool) -> notifications.Message:
    credential = renewal.credential
    module: Module = credential.award.module
    teacher = credential.user
    name = badge_name_in(module, teacher.language or "en")
    if renewed:
        return notifications.Message(
            key=f"renewal-{renewal.id}-renewed",
            to=teacher,
            text=_l("A coach renewed your badge %(badge)s.", badge=name),
            link=notifications.link_for("credentials.my_badges"),
        )
    return notifications.Message(
        key=f"renewal-{renewal.id}-returned-{utcnow().isoformat()}",
        to=teacher,
        text=_l(
            "A coach returned your reflection to renew %(badge)s, with feedback.",
            badge=name,
        ),
        link=notifications.link_for("renewals.reflection", credential_id=credential.id),
    )


def decide(
    session: DbSession,
    coach: User,
    renewal: Renewal,
    *,
    renew: bool,
    feedback: str,
) -> IssuedCredential | None:
    """Renew the badge (the renewed credential, pointing back to the old one), or
    return the reflection with ``feedback`` (required then). Once: a renewal
    decided by another coach at the same moment is a Conflict."""
    locked = session.scalar(
        select(Renewal).where(Renewal.id == renewal.id).with_for_update()
    )
    if locked is None or locked.finished_at is not None or locked.submitted_at is None:
        raise Conflict(_("Another coach has already decided this renewal."))
    if not review_policies.can_review(session, coach, locked.credential.user):
        raise PermissionDenied(_("You don't coach this teacher."))
    feedback = feedback.strip()
    if len(feedback) > FEEDBACK_MAX:
        raise InvalidInput(
            _("Feedback is at most %(max)d characters.", max=FEEDBACK_MAX),
            field="feedback",
        )
    locked.reviewed_by_id = coach.id
    locked.reviewed_at = utcnow()
    locked.feedback = feedback or None
    if not renew:
        if not feedback:
            raise InvalidInput(
                _("Say what the teacher should add before you return it."),
                field="feedback",
            )
        locked.submitted_at = None
        session.flush()
        notifications.tell(session, _told(locked, renewed=False))
        return None
    renewed = service.renew_credential(session, locked.credential)
    locked.finished_at = utcnow()
    locked.renewed_credential_id = renewed.id
    session.flush()
    notifications.tell(session, _told(locked, renewed=True))
    return renewed
