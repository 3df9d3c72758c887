"""District rules: districts, schools, join codes and staff invitations."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from pdhub.accounts import service as accounts
from pdhub.accounts import timezones
from pdhub.accounts.models import Role, User
from pdhub.credentials.models import Award
from pdhub.db import DbSession, utcnow
from pdhub.districts import policies
from pdhub.districts.models import District, Invitation, School
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.i18n import DEFAULT_LANGUAGE
from pdhub.learning.models import Enrollment
from pdhub.notifications import service as notifications
from pdhub.review.models import CoachAssignment
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus

INVITATION_LIFETIME = timedelta(days=14)
# No 0/O or 1/I/L: codes are read aloud in staff meetings and typed on phones.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


def _clean_name(name: str, field: str = "name") -> str:
    name = " ".join(name.split())
    if not name or len(name) > 160:
        raise InvalidInput(_("Enter a name of 1 to 160 characters."), field=field)
    return name


def create_district(
    session: DbSession, actor: User, name: str, *, time_zone: str | None = None
) -> District:
    """Create a district (platform administrators only), with its default time zone
    (none: UTC). Raises PermissionDenied, InvalidInput."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(_("Only platform administrators create districts."))
    name = _clean_name(name)
    zone = timezones.clean_zone_name(time_zone)
    if session.scalar(select(District.id).where(District.name == name)):
        raise InvalidInput(_("A district with this name exists."), field="name")
    district = District(name=name, join_code=new_join_code(), time_zone=zone)
    session.add(district)
    session.flush()
    return district


def district_for_join_code(session: DbSession, code: str) -> District:
    """The district a join code belongs to; InvalidInput for an unknown code."""
    cleaned = "".join(code.split()).upper()
    district = session.scalar(select(District).where(District.join_code == cleaned))
    if district is None:
        raise InvalidInput(
            _("We don't know that join code. Check it with your district office."),
            field="join_code",
        )
    return district


def regenerate_join_code(session: DbSession, actor: User, district: District) -> str:
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    district.join_code = new_join_code()
    session.flush()
    return district.join_code


def set_time_zone(
    session: DbSession, actor: User, district: District, name: str | None
) -> None:
    """The time zone the district's people see times in unless they chose their own
    (empty: UTC). Its own district administrators and platform administrators only.
    Raises PermissionDenied, InvalidInput."""
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    district.time_zone = timezones.clean_zone_name(name)
    session.flush()


def add_school(
    session: DbSession, actor: User, district: District, name: str
) -> School:
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    name = _clean_name(name)
    exists = session.scalar(
        select(School.id).where(School.district_id == district.id, School.name == name)
    )
    if exists:
        raise InvalidInput(
            _("This district already has a school with that name."), field="name"
        )
    school = School(district_id=district.id, name=name)
    session.add(school)
    session.flush()
    return school


def rename_school(session: DbSession, actor: User, school: School, name: str) -> None:
    if not policies.can_manage_district(actor, school.district):
        raise PermissionDenied(_("You don't manage this district."))
    name = _clean_name(name)
    clash = session.scalar(
        select(School.id).where(
            School.district_id == school.district_id,
            School.name == name,
            School.id != school.id,
        )
    )
    if clash:
        raise InvalidInput(
            _("This district already has a school with that name."), field="name"
        )
    school.name = name
    session.flush()


def get_school(
    session: DbSession, district: District, school_id: int | None
) -> School | None:
    if school_id is None:
        return None
    school = session.get(School, school_id)
    if school is None or school.district_id != district.id:
        raise InvalidInput(_("Choose a school in this district."), field="school")
    return school


def invite(
    session: DbSession,
    actor: User,
    district: District,
    *,
    email: str,
    role: Role,
    school: School | None = None,
    language: str | None = None,
) -> str:
    """Invite someone by email to join ``district`` with ``role``; returns the token.
    The email is written in ``language`` (a roster may give it), else in the
    district's default language, else in English; someone who already has an account
    gets it in their own language.

    Re-inviting the same email replaces the old link. The answer never says whether
    the address has an account elsewhere (no enumeration across districts): only a
    member of this district is refused by name. For an account outside the district
    the invitation is recorded the same way, but the email tells its owner they
    already have an account and carries no link (the invitation makes new accounts;
    a platform administrator moves an existing one).
    """
    if not policies.can_invite(actor, district, role):
        raise PermissionDenied(
            _("You can't invite people with that role to this district.")
        )
    address = accounts.normalize_email(email)
    existing = session.scalar(select(User).where(User.email == address))
    if existing is not None and existing.district_id == district.id:
        raise InvalidInput(_("This person is already in your district."), field="email")
    now = utcnow()
    for old in session.scalars(
        select(Invitation).where(
            Invitation.email == address,
            Invitation.district_id == district.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        old.revoked_at = now
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        district_id=district.id,
        school_id=school.id if school else None,
        email=address,
        role=role,
        token_hash=accounts.token_hash(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    # Someone without an account yet: the roster's language, else the district's.
    with force_locale(language or district.default_language or DEFAULT_LANGUAGE):
        _tell_invited(session, actor, district, invitation, existing, token)
    return token


@dataclass(frozen=True)
class Invitee:
    email: str
    role: Role
    school: School | None = None
    language: str | None = None


def invite_many(
    session: DbSession, actor: User, district: District, invitees: list[Invitee]
) -> int:
    """``invite`` for many people at once (a roster chunk): a few queries in all, and
    one delivery job per language. People already in the district are skipped;
    returns how many were invited."""
    if not invitees:
        return 0
    for person in invitees:
        if not policies.can_invite(actor, district, person.role):
            raise PermissionDenied(
                _("You can't invite people with that role to this district.")
            )
    addresses = [accounts.normalize_email(p.email) for p in invitees]
    accounts_by_email = {
        user.email: user
        for user in session.scalars(select(User).where(User.email.in_(addresses)))
    }
    now = utcnow()
    session.execute(
        update(Invitation)
        .where(
            Invitation.email.in_(addresses),
            Invitation.district_id == district.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    made: list[tuple[Invitee, Invitation, str, User | None]] = []
    for person, address in zip(invitees, addresses, strict=True):
        existing = accounts_by_email.get(address)
        if existing is not None and existing.district_id == district.id:
            continue
        token = secrets.token_urlsafe(24)
        invitation = Invitation(
            district_id=district.id,
            school_id=person.school.id if person.school else None,
            email=address,
            role=person.role,
            token_hash=accounts.token_hash(token),
            invited_by_id=actor.id,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        session.add(invitation)
        made.append((person, invitation, token, existing))
    session.flush()
    by_language: dict[str, list[tuple[Invitation, str, User | None]]] = {}
    for person, invitation, token, existing in made:
        language = person.language or district.default_language or DEFAULT_LANGUAGE
        by_language.setdefault(language, []).append((invitation, token, existing))
    for language, group in by_language.items():
        with force_locale(language):
            # The body differs only in its link: render it once per role.
            bodies: dict[Role, str] = {}
            messages = []
            for invitation, token, existing in group:
                message = _invitation_message(
                    actor, district, invitation, existing, token
                )
                if existing is None:
                    link = message.context["link"]
                    if invitation.role not in bodies:
                        bodies[invitation.role] = render_template(
                            "email/invitation.txt",
                            **{**message.context, "link": _LINK_SLOT},
                        )
                    message = dataclasses.replace(
                        message, body=bodies[invitation.role].replace(_LINK_SLOT, link)
                    )
                messages.append(message)
            notifications.tell(session, *messages)
    return len(made)


_LINK_SLOT = "\x00link\x00"


def _tell_invited(
    session: DbSession,
    actor: User,
    district: District,
    invitation: Invitation,
    existing: User | None,
    token: str,
) -> None:
    notifications.tell(
        session, _invitation_message(actor, district, invitation, existing, token)
    )


def _invitation_message(
    actor: User,
    district: District,
    invitation: Invitation,
    existing: User | None,
    token: str,
) -> notifications.Message:
    """The invitation email, in the current locale."""
    subject = _("You're invited to %(district)s on PD Hub", district=district.name)
    if existing is not None:
        return notifications.Message(
            key=f"invitation:{invitation.id}",
            to=invitation.email,
            subject=subject,
            template="invitation_existing",
            context={
                "district": district,
                "role": invitation.role,
                "inviter": actor,
                "user": existing,
            },
        )
    return notifications.Message(
        key=f"invitation:{invitation.id}",
        to=invitation.email,
        subject=subject,
        template="invitation",
        context={
            "district": district,
            "role": invitation.role,
            "inviter": actor,
            "link": notifications.link_for("accounts.accept_invitation", token=token),
            "expires_at": invitation.expires_at,
            # Not a person yet: the date reads in the district's zone, not the
            # inviter's.
            "time_zone": district.time_zone,
        },
        secret=True,
    )


def invitation_for_token(session: DbSession, token: str) -> Invitation:
    """The open invitation behind a link; NotFound/Conflict with a plain reason."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == accounts.token_hash(token))
    )
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound(
            _("This invitation link is not valid. Ask your district for a new one.")
        )
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation was already used. Sign in instead."))
    if invitation.expires_at < utcnow():
        raise Conflict(
            _("This invitation has expired. Ask your district for a new one.")
        )
    return invitation


def accept_invitation(
    session: DbSession, token: str, *, name: str, password: str
) -> User:
    """Create the invited account with the invitation's email, role and district."""
    invitation = invitation_for_token(session, token)
    user = accounts.register_user(
        session,
        email=invitation.email,
        name=name,
        password=password,
        role=invitation.role,
        district=invitation.district,
        school=invitation.school,
        # The invitation was opened from a link mailed to this address.
        email_verified=True,
    )
    invitation.accepted_at = utcnow()
    session.flush()
    return user


def staff(session: DbSession, district: District) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.district_id == district.id).order_by(User.name)
        )
    )


#: People listed a page at a time on the district page (a district may have 10,000).
PEOPLE_PER_PAGE = 50


@dataclass(frozen=True)
class PeoplePage:
    people: list[User]
    page: int
    pages: int
    total: int


def staff_page(session: DbSession, district: District, page: int) -> PeoplePage:
    """One page of the district's people by name, with their schools: three queries
    however many people the district has."""
    total = (
        session.scalar(
            select(func.count(User.id)).where(User.district_id == district.id)
        )
        or 0
    )
    pages = max(1, -(-total // PEOPLE_PER_PAGE))
    page = min(max(page, 1), pages)
    people = session.scalars(
        select(User)
        .where(User.district_id == district.id)
        .options(selectinload(User.school))
        .order_by(User.name, User.id)
        .offset((page - 1) * PEOPLE_PER_PAGE)
        .limit(PEOPLE_PER_PAGE)
    )
    return PeoplePage(list(people), page, pages, total)


def open_invitations(session: DbSession, district: District) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.district_id == district.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def school_counts(session: DbSession, district: District) -> dict[int, int]:
    """How many accounts each school of ``district`` has."""
    rows = session.execute(
        select(User.school_id, func.count(User.id))
        .where(User.district_id == district.id, User.school_id.is_not(None))
        .group_by(User.school_id)
    ).all()
    return {school_id: count for school_id, count in rows if school_id is not None}


def revoke_invitation(session: DbSession, actor: User, invitation: Invitation) -> None:
    if not policies.can_manage_district(actor, invitation.district):
        raise PermissionDenied(_("You don't manage this district."))
    invitation.revoked_at = utcnow()
    session.flush()


# --- the district administrator's dashboard ----------------------------------------


@dataclass(frozen=True)
class NextStep:
    label: str
    endpoint: str


@dataclass(frozen=True)
class DistrictSummary:
    """A district at a glance, and the one thing its administrator should do next."""

    schools: int
    teachers: int
    open_invitations: int
    coach_assignments: int
    waiting_review: int
    badges_earned: int

    @property
    def next_step(self) -> NextStep:
        if not self.schools:
            return NextStep(_("Add your schools"), "districts.overview")
        if not self.teachers and not self.open_invitations:
            return NextStep(_("Invite your teachers"), "districts.overview")
        if not self.coach_assignments:
            return NextStep(_("Give your schools a coach"), "review.coaches")
        return NextStep(
            _("Verify badges teachers show you"), "verification.batches_page"
        )


def district_summary(session: DbSession, district: District) -> DistrictSummary:
    """Counts for the dashboard, one query each."""

    def count(statement: Any) -> int:
        return int(session.scalar(statement) or 0)

    return DistrictSummary(
        schools=count(
            select(func.count(School.id)).where(School.district_id == district.id)
        ),
        teachers=count(
            select(func.count(User.id)).where(
                User.district_id == district.id,
                User.role == Role.TEACHER,
                User.active.is_(True),
            )
        ),
        open_invitations=len(open_invitations(session, district)),
        coach_assignments=count(
            select(func.count(CoachAssignment.id)).where(
                CoachAssignment.district_id == district.id
            )
        ),
        waiting_review=count(
            select(func.count(Submission.id))
            .join(Enrollment, Enrollment.id == Submission.enrollment_id)
            .join(User, User.id == Enrollment.user_id)
            .where(
                User.district_id == district.id,
                Submission.status == SubmissionStatus.IN_REVIEW,
            )
        ),
        badges_earned=count(
            select(func.count(Award.id))
            .join(User, User.id == Award.user_id)
            .where(User.district_id == district.id)
        ),
    )
