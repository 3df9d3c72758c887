"""Cohorts: creating one with its discussion space, its members (added by the coach or
the district, or joining with a code), its schedule, attendance and the members'
progress through its modules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, or_, select

from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.cohorts import policies
from pdhub.cohorts.models import Attendance, Cohort, CohortModule, CohortSession
from pdhub.communities.models import (
    Community,
    CommunityKind,
    CommunityMember,
    MemberRole,
)
from pdhub.db import DbSession, utcnow
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.learning.localized import localized
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.notifications import service as notifications
from pdhub.review.models import CoachAssignment

MAX_NAME = 120
MAX_DESCRIPTION = 2000
MAX_PLACE = 300
MAX_AGENDA = 4000
#: Codes people type: no 0/O or 1/I/L to misread.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _clean(value: str, limit: int, field: str, *, required: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(_("Please fill this in."), field=field)
    if len(cleaned) > limit:
        raise InvalidInput(
            _("Please keep this under %(limit)d characters.", limit=limit),
            field=field,
        )
    return cleaned


def coach_choices(session: DbSession, district_id: int) -> list[User]:
    """Coaches who may lead a cohort of the district: its own coaches and those
    assigned to serve it."""
    assigned = select(CoachAssignment.coach_id).where(
        CoachAssignment.district_id == district_id
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.role == Role.COACH,
                User.active.is_(True),
                or_(User.district_id == district_id, User.id.in_(assigned)),
            )
            .order_by(User.name, User.id)
        )
    )


def module_choices(session: DbSession) -> list[tuple[str, str]]:
    return [
        (module.slug, localized(module).title)
        for module in session.scalars(
            select(Module).where(Module.is_current.is_(True)).order_by(Module.title)
        )
    ]


def _checked(
    session: DbSession,
    name: str,
    description: str,
    starts_on: date,
    ends_on: date,
    module_slugs: list[str],
) -> tuple[str, str, list[str]]:
    """The cohort's name, description and module slugs, cleaned; raises InvalidInput
    for an empty name, a last day before the first, or no (or an unknown) module."""
    name = _clean(name, MAX_NAME, "name", required=True)
    description = _clean(description, MAX_DESCRIPTION, "description")
    if ends_on < starts_on:
        raise InvalidInput(
            _("The last day can't be before the first day."), field="ends_on"
        )
    slugs = list(dict.fromkeys(module_slugs))
    known = set(
        session.scalars(
            select(Module.slug).where(
                Module.slug.in_(slugs), Module.is_current.is_(True)
            )
        )
    )
    if not slugs or known != set(slugs):
        raise InvalidInput(_("Choose at least one module."), field="modules")
    return name, description, slugs


def create(
    session: DbSession,
    actor: User,
    *,
    name: str,
    description: str,
    starts_on: date,
    ends_on: date,
    module_slugs: list[str],
    coach: User | None = None,
) -> Cohort:
    """A cohort of the actor's district, led by the actor (a coach) or by the coach a
    district administrator chooses, with its own community (kind cohort) whose
    moderator is the coach. Raises PermissionDenied, InvalidInput."""
    if not policies.can_create(actor) or actor.district_id is None:
        raise PermissionDenied(_("You can't start a cohort."))
    district_id = actor.district_id
    if actor.role is Role.COACH:
        coach = actor
    elif coach is None or coach not in coach_choices(session, district_id):
        raise InvalidInput(_("Choose a coach to lead the cohort."), field="coach")
    name, description, slugs = _checked(
        session, name, description, starts_on, ends_on, module_slugs
    )
    community = Community(
        kind=CommunityKind.COHORT,
        name=name,
        description=description,
        created_by_id=actor.id,
    )
    session.add(community)
    session.flush()
    session.add(
        CommunityMember(
            community_id=community.id, user_id=coach.id, role=MemberRole.MODERATOR
        )
    )
    cohort = Cohort(
        district_id=district_id,
        coach_id=coach.id,
        community_id=community.id,
        name=name,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        join_code=new_join_code(),
        calendar_token=secrets.token_urlsafe(32),
        created_by_id=actor.id,
        modules=[CohortModule(module_slug=s, position=i) for i, s in enumerate(slugs)],
    )
    session.add(cohort)
    session.flush()
    return cohort


def update(
    session: DbSession,
    actor: User,
    cohort: Cohort,
    *,
    name: str,
    description: str,
    starts_on: date,
    ends_on: date,
    module_slugs: list[str],
) -> list[str]:
    """The coach or a district administrator changes the cohort's name, description,
    dates and modules (its discussion space takes the new name and description).
    Recorded in the audit trail with the fields that changed; returns their names.
    Raises PermissionDenied, InvalidInput."""
    if not policies.can_manage(actor, cohort):
        raise PermissionDenied(_("You don't run this cohort."))
    name, description, slugs = _checked(
        session, name, description, starts_on, ends_on, module_slugs
    )
    changed = [
        label
        for label, old, new in (
            ("name", cohort.name, name),
            ("description", cohort.description, description),
            ("starts_on", cohort.starts_on, starts_on),
            ("ends_on", cohort.ends_on, ends_on),
            ("modules", [m.module_slug for m in cohort.modules], slugs),
        )
        if old != new
    ]
    if not changed:
        return []
    cohort.name, cohort.description = name, description
    cohort.starts_on, cohort.ends_on = starts_on, ends_on
    community = session.get(Community, cohort.community_id)
    if community is not None:
        community.name, community.description = name, description
    if "modules" in changed:
        kept = {m.module_slug: m for m in cohort.modules}
        cohort.modules = [
            kept.get(slug) or CohortModule(module_slug=slug) for slug in slugs
        ]
        for position, row in enumerate(cohort.modules):
            row.position = position
    audit.record(
        session,
        AuditAction.COHORT_CHANGE,
        actor=actor,
        object_type="cohort",
        object_id=cohort.id,
        district_id=cohort.district_id,
        detail={"changed": ", ".join(changed), "name": name},
    )
    session.flush()
    return changed


def get(session: DbSession, user: User, cohort_id: int) -> Cohort:
    """The cohort if ``user`` may see it; NotFound otherwise (a private cohort's
    existence is not revealed)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not policies.can_see(session, user, cohort):
        raise NotFound(_("There is no such cohort."))
    return cohort


def visible_cohorts(session: DbSession, user: User) -> list[Cohort]:
    query = select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.id)
    if user.role is Role.ADMIN:
        pass
    elif user.role is Role.DISTRICT_ADMIN:
        query = query.where(Cohort.district_id == (user.district_id or -1))
    else:
        member = select(CommunityMember.community_id).where(
            CommunityMember.user_id == user.id
        )
        query = query.where(
            or_(Cohort.coach_id == user.id, Cohort.community_id.in_(member))
        )
    return list(session.scalars(query))


def members(session: DbSession, cohort: Cohort) -> list[User]:
    """The cohort's members (its coach not counted), by name."""
    return list(
        session.scalars(
            select(User)
            .join(CommunityMember, CommunityMember.user_id == User.id)
            .where(
                CommunityMember.community_id == cohort.community_id,
                CommunityMember.role == MemberRole.MEMBER,
            )
            .order_by(User.name, User.id)
        )
    )


def _add(session: DbSession, cohort: Cohort, person: User, text: LazyString) -> bool:
    """Add ``person``; False if they were a member already."""
    if policies.is_member(session, person, cohort):
        return False
    session.add(CommunityMember(community_id=cohort.community_id, user_id=person.id))
    session.flush()
    notifications.tell(
        session,
        notifications.Message(
            key=f"cohort:{cohort.id}:joined:{person.id}",
            to=person,
            text=text,
            link=f"/cohorts/{cohort.id}",
        ),
    )
    return True


def add_member(session: DbSession, actor: User, cohort: Cohort, email: str) -> User:
    """The coach or a district administrator adds a teacher of the cohort's district
    by email address. Raises PermissionDenied, InvalidInput."""
    if not policies.can_manage(actor, cohort):
        raise PermissionDenied(_("You don't run this cohort."))
    address = (email or "").strip().lower()
    person: User | None = session.scalar(
        select(User).where(
            func.lower(User.email) == address,
            User.district_id == cohort.district_id,
            User.role == Role.TEACHER,
            User.active.is_(True),
        )
    )
    if person is None:
        raise InvalidInput(
            _("There is no teacher with that email address in this district."),
            field="email",
        )
    _add(
        session,
        cohort,
        person,
        _l("You were added to the cohort “%(name)s”.", name=cohort.name),
    )
    return person


def member_of(session: DbSession, cohort: Cohort, user_id: int) -> User:
    """A member of the cohort (its coach is not one) by id; NotFound otherwise."""
    person: User | None = session.scalar(
        select(User)
        .join(CommunityMember, CommunityMember.user_id == User.id)
        .where(
            User.id == user_id,
            CommunityMember.community_id == cohort.community_id,
            CommunityMember.role == MemberRole.MEMBER,
        )
    )
    if person is None:
        raise NotFound(_("That person is not a member of this cohort."))
    return person


def remove_member(
    session: DbSession, actor: User, cohort: Cohort, person: User
) -> None:
    """The coach or a district administrator takes a member out of the cohort: they
    no longer see it or its discussion (their posts and attendance stay). They are
    told, in their language; the removal is in the audit trail. Raises
    PermissionDenied, NotFound."""
    if not policies.can_manage(actor, cohort):
        raise PermissionDenied(_("You don't run this cohort."))
    membership = session.scalar(
        select(CommunityMember).where(
            CommunityMember.community_id == cohort.community_id,
            CommunityMember.user_id == person.id,
            CommunityMember.role == MemberRole.MEMBER,
        )
    )
    if membership is None:
        raise NotFound(_("That person is not a member of this cohort."))
    session.delete(membership)
    session.flush()
    removed_at = utcnow()
    notifications.tell(
        session,
        notifications.Message(
            key=f"cohort:{cohort.id}:removed:{person.id}:{removed_at.isoformat()}",
            to=person,
            text=_l(
                "%(name)s removed you from the cohort “%(cohort)s”.",
                name=actor.name,
                cohort=cohort.name,
            ),
            link="/cohorts",
        ),
    )
    audit.record(
        session,
        AuditAction.COHORT_MEMBER_REMOVE,
        actor=actor,
        object_type="cohort",
        object_id=cohort.id,
        subject=person,
        district_id=cohort.district_id,
        detail={"name": cohort.name},
    )


def join(session: DbSession, user: User, code: str) -> Cohort:
    """A teacher joins a cohort of their district with its code, before it ends.
    Raises InvalidInput."""
    cleaned = "".join((code or "").split()).upper()
    cohort = session.scalar(select(Cohort).where(Cohort.join_code == cleaned))
    if (
        cohort is None
        or not policies.can_join(user)
        or user.district_id != cohort.district_id
    ):
        raise InvalidInput(
            _(
                "That code doesn't match a cohort you can join. "
                "Check it with your coach."
            ),
            field="code",
        )
    if cohort.ends_on < utcnow().date():
        raise InvalidInput(_("That cohort has already ended."), field="code")
    _add(
        session,
        cohort,
        user,
        _l("You joined the cohort “%(name)s”.", name=cohort.name),
    )
    return cohort


def add_session(
    session: DbSession,
    actor: User,
    cohort: Cohort,
    *,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
    agenda: str,
) -> CohortSession:
    """Schedule a session (``starts_at`` aware; stored in UTC). Raises
    PermissionDenied, InvalidInput."""
    if not policies.can_manage(actor, cohort):
        raise PermissionDenied(_("You don't run this cohort."))
    if starts_at.tzinfo is None:
        raise InvalidInput(_("Choose a date and a time."), field="starts_on")
    if not 5 <= duration_minutes <= 600:
        raise InvalidInput(
            _("A session lasts between 5 minutes and 10 hours."), field="duration"
        )
    meeting = CohortSession(
        cohort_id=cohort.id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=_clean(place, MAX_PLACE, "place"),
        agenda=_clean(agenda, MAX_AGENDA, "agenda"),
    )
    session.add(meeting)
    session.flush()
    return meeting


def sessions_of(session: DbSession, cohort: Cohort) -> list[CohortSession]:
    return list(
        session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort.id)
            .order_by(CohortSession.starts_at, CohortSession.id)
        )
    )


def get_session(session: DbSession, cohort: Cohort, session_id: int) -> CohortSession:
    meeting = session.get(CohortSession, session_id)
    if meeting is None or meeting.cohort_id != cohort.id:
        raise NotFound(_("There is no such session."))
    return meeting


def session_ends_at(meeting: CohortSession) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def attendance(session: DbSession, meeting: CohortSession) -> dict[int, bool]:
    """Who came (user id → present) as recorded for ``meeting``."""
    rows = session.execute(
        select(Attendance.user_id, Attendance.present).where(
            Attendance.session_id == meeting.id
        )
    )
    return {row.user_id: row.present for row in rows}


def record_attendance(
    session: DbSession,
    actor: User,
    cohort: Cohort,
    meeting: CohortSession,
    present_ids: set[int],
) -> None:
    """The coach marks each member present (in ``present_ids``) or absent. Raises
    PermissionDenied."""
    if (
        not policies.can_take_attendance(actor, cohort)
        or meeting.cohort_id != cohort.id
    ):
        raise PermissionDenied(_("Only the cohort's coach takes attendance."))
    existing = {
        row.user_id: row
        for row in session.scalars(
            select(Attendance).where(Attendance.session_id == meeting.id)
        )
    }
    now = utcnow()
    for person in members(session, cohort):
        present = person.id in present_ids
        row = existing.get(person.id)
        if row is None:
            session.add(
                Attendance(
                    session_id=meeting.id,
                    user_id=person.id,
                    present=present,
                    recorded_by_id=actor.id,
                    recorded_at=now,
                )
            )
        elif row.present != present:
            row.present, row.recorded_by_id, row.recorded_at = present, actor.id, now
    session.flush()


# --- progress ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleState:
    status: str  # "not_started", "in_progress" or "completed"
    completed_at: datetime | None = None


@dataclass(frozen=True)
class ProgressRow:
    person: User
    states: list[ModuleState]
    attended: int


@dataclass(frozen=True)
class Progress:
    module_titles: list[str]
    rows: list[ProgressRow]
    sessions_held: int


def progress(session: DbSession, cohort: Cohort) -> Progress:
    """Each member's standing in each of the cohort's modules and the sessions they
    attended, in a fixed number of queries whatever the cohort's size."""
    slugs = [m.module_slug for m in cohort.modules]
    titles = {
        module.slug: localized(module).title
        for module in session.scalars(
            select(Module).where(Module.slug.in_(slugs), Module.is_current.is_(True))
        )
    }
    people = members(session, cohort)
    ids = [p.id for p in people]
    found: dict[tuple[int, str], ModuleState] = {}
    for user_id, slug, status, completed_at in session.execute(
        select(
            Enrollment.user_id, Module.slug, Enrollment.status, Enrollment.completed_at
        )
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Enrollment.user_id.in_(ids),
            Module.slug.in_(slugs),
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
    ):
        if found.get((user_id, slug), ModuleState("")).status == "completed":
            continue
        found[(user_id, slug)] = ModuleState(status.value, completed_at)
    now = utcnow()
    held = [m.id for m in sessions_of(session, cohort) if m.starts_at <= now]
    attended: dict[int, int] = dict(
        session.execute(
            select(Attendance.user_id, func.count(Attendance.id))
            .where(Attendance.session_id.in_(held), Attendance.present.is_(True))
            .group_by(Attendance.user_id)
        ).all()
    )
    return Progress(
        module_titles=[titles.get(s, s) for s in slugs],
        rows=[
            ProgressRow(
                person,
                [found.get((person.id, s), ModuleState("not_started")) for s in slugs],
                attended.get(person.id, 0),
            )
            for person in people
        ],
        sessions_held=len(held),
    )


def by_calendar_token(session: DbSession, cohort_id: int, token: str) -> Cohort:
    cohort = session.get(Cohort, cohort_id)
    if (
        cohort is None
        or not token
        or not secrets.compare_digest(cohort.calendar_token, token)
    ):
        raise NotFound(_("There is no such calendar."))
    return cohort
