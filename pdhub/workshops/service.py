"""Workshops: a district's achievements for in-person PD and awarding them to the
attendees of a session, from a CSV file (``email[,name]``) or a cohort's
attendance.

An award run is checked in full before anything is issued: the preview lists each
line that will not be awarded and why (not an email address, no account, not in
this district, listed twice, already awarded). Issuing is a job that signs one
Open Badges 3.0 AchievementCredential per attendee, a chunk per commit so its
progress shows. The ``(workshop, teacher, session date)`` unique constraint makes
it idempotent: sending the same list again awards nobody twice, and the preview
says "already awarded".
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, time

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from badges.credential import (
    Achievement,
    Image,
    OpenBadgeCredential,
    Recipient,
    StatusEntry,
)
from badges.proofs import sign_document
from pdhub import jobs, tasks
from pdhub.accounts.languages import language_for
from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.cohorts.models import Attendance, Cohort, CohortSession
from pdhub.credentials import keys, status
from pdhub.credentials.achievements import pd_hours_text
from pdhub.credentials.models import StatusList
from pdhub.db import DbSession, utcnow
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.notifications import service as notifications
from pdhub.workshops import images, policies
from pdhub.workshops.models import RunStatus, Workshop, WorkshopAward, WorkshopRun

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: Credentials signed per commit: the progress bar moves this many at a time.
CHUNK = 50
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


# --- defining ---------------------------------------------------------------------


def _clean(value: str, limit: int, field: str, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("This is required."), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("Keep this under %(limit)d characters.", limit=limit), field=field
        )
    return value


def create_workshop(
    session: DbSession,
    actor: User,
    *,
    name: str,
    description: str,
    criteria: str,
    hours: float,
    image: str,
) -> Workshop:
    """Define a workshop achievement of the actor's district."""
    if not policies.can_define(actor):
        raise PermissionDenied(_("Only district administrators define workshops."))
    if not 0 < hours <= 200:
        raise InvalidInput(
            _("Give the PD hours, a number between 0 and 200."), field="hours"
        )
    if image not in images.DESIGNS:
        raise InvalidInput(_("Choose a picture from the list."), field="image")
    workshop = Workshop(
        district_id=actor.district_id,
        name=_clean(name, 200, "name", required=True),
        description=_clean(description, 2000, "description", required=True),
        criteria=_clean(criteria, 4000, "criteria", required=True),
        hours=round(hours, 2),
        image=image,
        created_by_id=actor.id,
    )
    session.add(workshop)
    session.flush()
    return workshop


def workshops_of(session: DbSession, actor: User) -> list[Workshop]:
    if not policies.can_award(actor):
        return []
    return list(
        session.scalars(
            select(Workshop)
            .where(Workshop.district_id == actor.district_id)
            .order_by(Workshop.created_at.desc(), Workshop.id.desc())
        )
    )


def get_workshop(session: DbSession, actor: User, workshop_id: int) -> Workshop:
    """The workshop if ``actor`` may award it; another district's is NotFound."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None or not policies.can_see(actor, workshop):
        raise NotFound(_("No workshop has that number."))
    return workshop


def public_workshop(session: DbSession, workshop_id: int) -> Workshop:
    """A workshop's Achievement, as its credentials show it to anyone."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("No workshop has that number."))
    return workshop


def award_count(session: DbSession, workshop: Workshop) -> int:
    return (
        session.scalar(
            select(func.count(WorkshopAward.id)).where(
                WorkshopAward.workshop_id == workshop.id
            )
        )
        or 0
    )


# --- previews ---------------------------------------------------------------------


def _already(
    session: DbSession, workshop: Workshop, session_date: date, user_ids: list[int]
) -> set[int]:
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(WorkshopAward.user_id).where(
                WorkshopAward.workshop_id == workshop.id,
                WorkshopAward.session_date == session_date,
                WorkshopAward.user_id.in_(user_ids),
            )
        )
    )


def _check_date(session_date: date | None) -> date:
    if session_date is None:
        raise InvalidInput(_("Give the date of the session."), field="session_date")
    if session_date > utcnow().date():
        raise InvalidInput(
            _("The session must have taken place: choose today or an earlier date."),
            field="session_date",
        )
    return session_date


def _read_csv(data: bytes) -> list[tuple[int, str, str]]:
    """Each line's (number, email, name); a first line naming the columns is left
    out, blank lines are skipped."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("The file is larger than 2 MB. Split it into smaller files."),
            field="attendees",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _('The file is not saved as UTF-8 text. Save it again as "CSV UTF-8".'),
            field="attendees",
        ) from None
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise InvalidInput(
            _("The file could not be read as CSV."), field="attendees"
        ) from None
    found = []
    for number, cells in enumerate(lines, start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in {"email", "e-mail", "correo"}:
            continue
        found.append((number, cells[0], cells[1] if len(cells) > 1 else ""))
    if not found:
        raise InvalidInput(
            _("The file lists nobody: put one email address on each line."),
            field="attendees",
        )
    if len(found) > MAX_ROWS:
        raise InvalidInput(
            _("A file lists at most %(count)d people.", count=MAX_ROWS),
            field="attendees",
        )
    return found


def _new_run(
    session: DbSession,
    actor: User,
    workshop: Workshop,
    session_date: date,
    rows: list[dict[str, object]],
    problems: list[dict[str, object]],
    **source: object,
) -> WorkshopRun:
    run = WorkshopRun(
        workshop_id=workshop.id,
        session_date=session_date,
        rows=rows,
        problems=problems,
        total=len(rows),
        created_by_id=actor.id,
        **source,
    )
    session.add(run)
    session.flush()
    return run


def preview_csv(
    session: DbSession,
    actor: User,
    workshop: Workshop,
    session_date: date | None,
    filename: str,
    data: bytes,
) -> WorkshopRun:
    """Check an attendee file in full and keep what it would award (nothing is
    issued yet): each line that will not be awarded is a problem with its reason."""
    if not policies.can_see(actor, workshop):
        raise NotFound(_("No workshop has that number."))
    when = _check_date(session_date)
    lines = _read_csv(data)
    emails = {email.lower() for _n, email, _name in lines if EMAIL.match(email)}
    people = {
        user.email.lower(): user
        for user in session.scalars(
            select(User).where(func.lower(User.email).in_(emails))
        )
    }
    already = _already(session, workshop, when, [u.id for u in people.values()])
    rows: list[dict[str, object]] = []
    problems: list[dict[str, object]] = []
    seen: dict[str, int] = {}

    def problem(line: int, email: str, message: str, *, done: bool = False) -> None:
        problems.append(
            {"line": line, "email": email, "message": message, "already": done}
        )

    for line, email, name in lines:
        key = email.lower()
        if not EMAIL.match(email):
            problem(line, email, _("This is not an email address."))
        elif key in seen:
            problem(
                line, email, _("Listed twice: also on line %(line)d.", line=seen[key])
            )
        else:
            seen[key] = line
            user = people.get(key)
            if user is None or not user.active:
                problem(line, email, _("No PD Hub account has this email address."))
            elif user.district_id != workshop.district_id:
                problem(line, email, _("This person is not in your district."))
            elif user.id in already:
                problem(line, email, _("Already awarded for this session."), done=True)
            elif user.email_verified_at is None:
                problem(
                    line,
                    email,
                    _(
                        "This person has not confirmed their email address yet: "
                        "award them once they have."
                    ),
                )
            else:
                rows.append(
                    {
                        "line": line,
                        "user_id": user.id,
                        "email": user.email,
                        "name": user.name or name,
                    }
                )
    return _new_run(
        session,
        actor,
        workshop,
        when,
        rows,
        problems,
        source="csv",
        filename=filename[:255],
    )


def attendance_choices(
    session: DbSession, actor: User
) -> list[tuple[CohortSession, Cohort]]:
    """The past sessions of the cohorts ``actor`` runs (a coach's own cohorts, all
    of a district administrator's district), newest first."""
    if not policies.can_award(actor):
        return []
    query = (
        select(CohortSession, Cohort)
        .join(Cohort, Cohort.id == CohortSession.cohort_id)
        .where(
            Cohort.district_id == actor.district_id,
            CohortSession.starts_at <= utcnow(),
        )
        .order_by(CohortSession.starts_at.desc())
        .limit(200)
    )
    if actor.role is Role.COACH:
        query = query.where(Cohort.coach_id == actor.id)
    return [(meeting, cohort) for meeting, cohort in session.execute(query).all()]


def preview_attendance(
    session: DbSession, actor: User, workshop: Workshop, cohort_session_id: int
) -> WorkshopRun:
    """The members marked present at a cohort session, ready to tick and award."""
    if not policies.can_see(actor, workshop):
        raise NotFound(_("No workshop has that number."))
    choices = {
        meeting.id: meeting for meeting, _c in attendance_choices(session, actor)
    }
    meeting = choices.get(cohort_session_id)
    if meeting is None:
        raise InvalidInput(
            _("Choose one of your cohorts' sessions."), field="cohort_session"
        )
    when = meeting.starts_at.date()
    present = list(
        session.scalars(
            select(User)
            .join(Attendance, Attendance.user_id == User.id)
            .where(Attendance.session_id == meeting.id, Attendance.present.is_(True))
            .order_by(User.name, User.id)
        )
    )
    already = _already(session, workshop, when, [u.id for u in present])
    rows: list[dict[str, object]] = []
    problems: list[dict[str, object]] = []
    for line, user in enumerate(present, start=1):
        if user.id in already:
            problems.append(
                {
                    "line": line,
                    "email": user.email,
                    "message": _("Already awarded for this session."),
                    "already": True,
                }
            )
        elif user.district_id != workshop.district_id or not user.active:
            problems.append(
                {
                    "line": line,
                    "email": user.email,
                    "message": _("This person is not in your district."),
                    "already": False,
                }
            )
        else:
            rows.append(
                {
                    "line": line,
                    "user_id": user.id,
                    "email": user.email,
                    "name": user.name,
                }
            )
    return _new_run(
        session,
        actor,
        workshop,
        when,
        rows,
        problems,
        source="cohort",
        cohort_session_id=meeting.id,
    )


def get_run(
    session: DbSession, actor: User, workshop: Workshop, run_id: int
) -> WorkshopRun:
    run = session.get(WorkshopRun, run_id)
    if (
        run is None
        or run.workshop_id != workshop.id
        or not policies.can_see(actor, workshop)
    ):
        raise NotFound(_("No award run has that number."))
    return run


def recent_runs(session: DbSession, workshop: Workshop) -> list[WorkshopRun]:
    return list(
        session.scalars(
            select(WorkshopRun)
            .where(WorkshopRun.workshop_id == workshop.id)
            .order_by(WorkshopRun.id.desc())
            .limit(20)
        )
    )


def confirm(
    session: DbSession,
    actor: User,
    run: WorkshopRun,
    ticked: set[int] | None = None,
) -> None:
    """Queue the run's issuing; ``ticked`` (a cohort run) keeps only those people."""
    if not policies.can_see(actor, run.workshop):
        raise NotFound(_("No workshop has that number."))
    if run.status != RunStatus.PREVIEW:
        raise InvalidInput(_("This list has been issued already."))
    if ticked is not None:
        run.rows = [row for row in run.rows if row["user_id"] in ticked]
        run.total = len(run.rows)
    if not run.rows:
        raise InvalidInput(_("Nobody on this list can be awarded."))
    run.status = RunStatus.QUEUED
    session.flush()
    audit.record(
        session,
        AuditAction.CREDENTIAL_ISSUE,
        actor=actor,
        object_type="workshop_run",
        object_id=run.id,
    )
    jobs.enqueue(tasks.ISSUE_WORKSHOP_AWARDS, run.id)


# --- issuing ----------------------------------------------------------------------


def achievement_url(workshop: Workshop) -> str:
    return f"{keys.base_url()}/workshops/{workshop.id}"


def _achievement(workshop: Workshop) -> Achievement:
    return Achievement(
        id=achievement_url(workshop),
        name=workshop.name,
        description=workshop.description,
        criteria_narrative="\n".join(
            [
                workshop.criteria,
                _("Credit: %(hours)s.", hours=pd_hours_text(workshop.hours)),
            ]
        ),
        achievement_type="Badge",
        image=Image(images.data_url(workshop.image, workshop.name), workshop.name),
        credits_available=workshop.hours,
    )


def _sign(
    session: DbSession,
    signer: keys.Signer,
    workshop: Workshop,
    user: User,
    session_date: date,
) -> dict[str, object]:
    """The award's credential, signed, as WorkshopAward column values."""
    status_list, index = status.allocate(session, signer)
    now = utcnow().replace(microsecond=0)
    credential_id = str(uuid.uuid4())
    with force_locale(language_for(user)):
        achievement = _achievement(workshop)
        unsigned = OpenBadgeCredential(
            issuer=keys.issuer_profile(signer.issuer_id),
            achievement=achievement,
            recipient=Recipient.from_email(user.email),
            valid_from=now,
            id=f"urn:uuid:{credential_id}",
            name=achievement.name,
            description=achievement.description,
            awarded_date=now,
            credits_earned=workshop.hours,
            activity_end_date=datetime.combine(session_date, time(0), tzinfo=UTC),
            status=StatusEntry(
                status.list_url(status_list), index, status_list.purpose.value
            ),
        ).to_json()
    signed = sign_document(
        unsigned, signer.pair, signer.verification_method, created=now
    )
    return {
        "credential_id": credential_id,
        "credential_json": json.dumps(
            signed, ensure_ascii=False, separators=(",", ":")
        ),
        "issuer_key_id": signer.key.id,
        "revocation_list_id": status_list.id,
        "revocation_index": index,
        "issued_at": now,
    }


def issue_chunk(session: DbSession, run_id: int) -> bool:
    """Issue the next chunk of a confirmed run; True once the run is finished.

    The run row is locked, so two workers never issue the same chunk, and each
    award goes in under the unique constraint, so a rerun after a crash (or the
    same people in another run) awards nobody twice."""
    run = session.get(WorkshopRun, run_id, with_for_update=True)
    if run is None or run.status in (RunStatus.PREVIEW, RunStatus.DONE):
        return True
    run.status = RunStatus.ISSUING
    workshop = run.workshop
    chunk = run.rows[run.processed : run.processed + CHUNK]
    signer = keys.signer_for(keys.current_key(session)) if chunk else None
    users = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_([row["user_id"] for row in chunk]))
        )
    }
    already = _already(session, workshop, run.session_date, list(users))
    for row in chunk:
        user = users.get(int(row["user_id"]))
        if user is None or user.id in already or signer is None:
            continue
        try:
            with session.begin_nested():
                award = WorkshopAward(
                    workshop_id=workshop.id,
                    user_id=user.id,
                    session_date=run.session_date,
                    run_id=run.id,
                    awarded_by_id=run.created_by_id,
                    **_sign(session, signer, workshop, user, run.session_date),
                )
                session.add(award)
                session.flush()
        except IntegrityError:
            continue  # awarded at the same moment by another run
        run.issued += 1
        audit.record(
            session,
            AuditAction.CREDENTIAL_ISSUE,
            subject=user,
            object_type="workshop",
            object_id=award.credential_id,
        )
        notifications.tell(session, _told(award))
    run.processed = min(run.total, run.processed + len(chunk))
    if run.processed >= run.total:
        run.status = RunStatus.DONE
        run.finished_at = utcnow()
    session.flush()
    return run.status == RunStatus.DONE


def _told(award: WorkshopAward) -> notifications.Message:
    workshop = award.workshop
    link = "/badges#workshop-badges"
    hours = format(workshop.hours, "g")
    return notifications.Message(
        key=f"workshop-awarded-{award.id}",
        to=award.user,
        text=_l(
            "You earned the %(workshop)s badge (%(hours)s PD hours).",
            workshop=workshop.name,
            hours=hours,
        ),
        link=link,
        subject=_l("You earned the %(workshop)s badge", workshop=workshop.name),
        template="workshop_awarded",
        context={
            "user": award.user,
            "workshop_name": workshop.name,
            "hours": hours,
            "session_date": award.session_date.isoformat(),
            "link": notifications.absolute_link(link),
        },
    )


# --- revoking ----------------------------------------------------------------------


#: Awards listed on a workshop's or a run's page (the page stays small).
AWARDS_SHOWN = 100


def awards_for(
    session: DbSession, workshop: Workshop, run: WorkshopRun | None = None
) -> list[WorkshopAward]:
    """The workshop's awards (of one run when given), most recent session first,
    each with its person, in one query: at most ``AWARDS_SHOWN`` + 1 (the page
    says when there are more)."""
    query = (
        select(WorkshopAward)
        .join(User, User.id == WorkshopAward.user_id)
        .options(contains_eager(WorkshopAward.user))
        .where(WorkshopAward.workshop_id == workshop.id)
        .order_by(WorkshopAward.session_date.desc(), User.name, WorkshopAward.id)
    )
    if run is not None:
        query = query.where(WorkshopAward.run_id == run.id)
    return list(session.scalars(query.limit(AWARDS_SHOWN + 1)))


def get_award(session: DbSession, actor: User, award_id: int) -> WorkshopAward:
    """An award of a workshop ``actor`` may see; another district's is NotFound."""
    award = session.get(WorkshopAward, award_id)
    if award is None or not policies.can_see(actor, award.workshop):
        raise NotFound(_("No workshop badge has that number."))
    return award


def revoke_award(
    session: DbSession, actor: User, award: WorkshopAward, reason: str
) -> WorkshopAward:
    """Revoke one person's workshop badge for good: set its bit in its status
    list and re-sign the list (so /verify says revoked), stop counting its hours,
    record it and tell the person with ``reason``. A district administrator only;
    InvalidInput without a reason or when it is already revoked."""
    if not policies.can_see(actor, award.workshop):
        raise NotFound(_("No workshop badge has that number."))
    if not policies.can_define(actor):
        raise PermissionDenied(_("Only a district administrator can revoke a badge."))
    reason = _clean(reason, 500, "reason", required=True)
    if award.revoked_at is not None:
        raise InvalidInput(_("This badge is already revoked."))
    award.revoked_at = utcnow()
    status_list = session.get(StatusList, award.revocation_list_id)
    assert status_list is not None  # a foreign key
    status.set_bit(session, status_list, award.revocation_index, True)
    session.flush()
    audit.record(
        session,
        AuditAction.CREDENTIAL_REVOKE,
        actor=actor,
        subject=award.user,
        object_type="workshop_award",
        object_id=award.id,
        detail={"reason": reason},
    )
    notifications.tell(session, _revoked(award, reason))
    return award


def _revoked(award: WorkshopAward, reason: str) -> notifications.Message:
    workshop = award.workshop
    link = "/badges#workshop-badges"
    return notifications.Message(
        key=f"workshop-revoked-{award.id}",
        to=award.user,
        text=_l(
            "Your %(badge)s badge was revoked. Reason: %(reason)s",
            badge=workshop.name,
            reason=reason,
        ),
        link=link,
        subject=_l("Your %(badge)s badge was revoked", badge=workshop.name),
        template="credential_status",
        context={
            "user": award.user,
            "badge_name": workshop.name,
            "change": "revoked",
            "reason": reason,
            "link": notifications.absolute_link(link),
        },
    )


# --- a teacher's own ----------------------------------------------------------------


def awards_of(session: DbSession, user: User) -> list[WorkshopAward]:
    return list(
        session.scalars(
            select(WorkshopAward)
            .where(WorkshopAward.user_id == user.id)
            .order_by(WorkshopAward.session_date.desc(), WorkshopAward.id.desc())
        )
    )


def own_award(session: DbSession, user: User, credential_id: str) -> WorkshopAward:
    award = session.scalar(
        select(WorkshopAward).where(WorkshopAward.credential_id == credential_id)
    )
    if award is None or award.user_id != user.id:
        raise NotFound(_("No badge has that number."))
    return award
