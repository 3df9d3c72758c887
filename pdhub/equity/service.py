"""The equity team and its self-assessment cycles: forming the team, starting a
cycle, each member's ratings, the lead's consensus, and change over time."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.equity import policies
from pdhub.equity.instrument import Instrument
from pdhub.equity.models import (
    EquityAssessment,
    EquityConsensus,
    EquityCycle,
    EquityRating,
    EquityTeamMember,
    TeamRole,
)
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.notifications import service as notifications

MAX_LINKS = 5


# --- the team ----------------------------------------------------------------------


def team(session: DbSession, district: District) -> list[EquityTeamMember]:
    """The team, lead(s) first, then by name."""
    members = session.scalars(
        select(EquityTeamMember)
        .where(EquityTeamMember.district_id == district.id)
        .options(selectinload(EquityTeamMember.user))
    )
    return sorted(
        members, key=lambda m: (m.role is not TeamRole.LEAD, m.user.name.casefold())
    )


def staff_choices(session: DbSession, district: District) -> list[User]:
    """The district's active staff not yet on the team."""
    on_team = select(EquityTeamMember.user_id).where(
        EquityTeamMember.district_id == district.id
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.district_id == district.id,
                User.active.is_(True),
                User.id.not_in(on_team),
            )
            .order_by(User.name, User.id)
        )
    )


def add_member(
    session: DbSession, actor: User, district: District, person: User, role: TeamRole
) -> EquityTeamMember:
    """Put one of the district's staff on its team and tell them. Raises
    PermissionDenied, InvalidInput, Conflict."""
    if not policies.can_manage_team(actor, district):
        raise PermissionDenied(_("Only the district's administrators form its team."))
    if person.district_id != district.id or not person.active:
        raise InvalidInput(
            _("Choose someone on your district's staff."), field="person"
        )
    if policies.team_role(session, person, district) is not None:
        raise Conflict(_("%(name)s is already on the team.", name=person.name))
    member = EquityTeamMember(district_id=district.id, user_id=person.id, role=role)
    session.add(member)
    session.flush()
    notifications.tell(
        session,
        notifications.Message(
            key=f"equity-team:{member.id}",
            to=person,
            text=_l(
                "You are on %(district)s's digital equity team. Rate where the "
                "district stands and help plan the next steps.",
                district=district.name,
            ),
            link=notifications.link_for("equity.overview"),
        ),
    )
    return member


def get_member(
    session: DbSession, district: District, member_id: int
) -> EquityTeamMember:
    member = session.get(EquityTeamMember, member_id)
    if member is None or member.district_id != district.id:
        raise NotFound(_("There is no such team member."))
    return member


def set_role(
    session: DbSession, actor: User, member: EquityTeamMember, role: TeamRole
) -> None:
    district = session.get(District, member.district_id)
    if district is None or not policies.can_manage_team(actor, district):
        raise PermissionDenied(_("Only the district's administrators form its team."))
    member.role = role
    session.flush()


def remove_member(session: DbSession, actor: User, member: EquityTeamMember) -> None:
    """Take someone off the team; their submitted ratings stay with the cycles."""
    district = session.get(District, member.district_id)
    if district is None or not policies.can_manage_team(actor, district):
        raise PermissionDenied(_("Only the district's administrators form its team."))
    session.delete(member)
    session.flush()


# --- cycles ------------------------------------------------------------------------


def cycles(session: DbSession, district: District) -> list[EquityCycle]:
    """The district's cycles, oldest first."""
    return list(
        session.scalars(
            select(EquityCycle)
            .where(EquityCycle.district_id == district.id)
            .order_by(EquityCycle.started_at, EquityCycle.id)
        )
    )


def current_cycle(session: DbSession, district: District) -> EquityCycle | None:
    found: EquityCycle | None = session.scalar(
        select(EquityCycle)
        .where(EquityCycle.district_id == district.id)
        .order_by(EquityCycle.started_at.desc(), EquityCycle.id.desc())
        .limit(1)
    )
    return found


def get_cycle(session: DbSession, district: District, cycle_id: int) -> EquityCycle:
    cycle = session.get(EquityCycle, cycle_id)
    if cycle is None or cycle.district_id != district.id:
        raise NotFound(_("There is no such self-assessment cycle."))
    return cycle


def start_cycle(
    session: DbSession,
    actor: User,
    district: District,
    name: str,
    instrument: Instrument,
) -> EquityCycle:
    """Start a new round (a term or a year); it becomes the open cycle. Raises
    PermissionDenied, Conflict."""
    if not policies.can_start_cycle(session, actor, district):
        raise PermissionDenied(
            _("Only an administrator or the team lead starts a cycle.")
        )
    name = name.strip()
    taken = session.scalar(
        select(EquityCycle.id).where(
            EquityCycle.district_id == district.id, EquityCycle.name == name
        )
    )
    if taken is not None:
        raise Conflict(
            _("There is already a cycle called %(name)s.", name=name), field="name"
        )
    cycle = EquityCycle(
        district_id=district.id,
        name=name,
        instrument_version=instrument.version,
        started_by_id=actor.id,
    )
    session.add(cycle)
    session.flush()
    return cycle


def is_open(session: DbSession, cycle: EquityCycle) -> bool:
    district = session.get(District, cycle.district_id)
    current = current_cycle(session, district) if district else None
    return current is not None and current.id == cycle.id


# --- ratings -------------------------------------------------------------------------


def assessment_of(
    session: DbSession, cycle: EquityCycle, user: User
) -> EquityAssessment | None:
    found: EquityAssessment | None = session.scalar(
        select(EquityAssessment)
        .where(
            EquityAssessment.cycle_id == cycle.id, EquityAssessment.user_id == user.id
        )
        .options(selectinload(EquityAssessment.ratings))
    )
    return found


@dataclass(frozen=True)
class RatingInput:
    level: int | None
    comment: str = ""
    evidence: str = ""


def evidence_links(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_links(text: str, field_name: str) -> str:
    """The links one a line, each http(s); raises InvalidInput naming the field."""
    links = evidence_links(text)
    if len(links) > MAX_LINKS:
        raise InvalidInput(
            _("Give at most %(count)d links.", count=MAX_LINKS), field=field_name
        )
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise InvalidInput(
                _("Give each link as a web address starting with https://."),
                field=field_name,
            )
    return "\n".join(links)


def save_ratings(
    session: DbSession,
    actor: User,
    cycle: EquityCycle,
    instrument: Instrument,
    ratings: dict[str, RatingInput],
    *,
    submit: bool,
) -> EquityAssessment:
    """Save a member's ratings in the open cycle; ``submit`` shows them to the team
    (every indicator must then be rated). Raises PermissionDenied, InvalidInput."""
    district = session.get(District, cycle.district_id)
    if district is None or not policies.can_rate(session, actor, district):
        raise PermissionDenied(
            _("Only members of the equity team rate the indicators.")
        )
    if not is_open(session, cycle):
        raise PermissionDenied(_("This cycle is closed: a newer one has started."))
    levels = {s.level for s in instrument.scale}
    for indicator_id, given in ratings.items():
        if instrument.indicator(indicator_id) is None:
            raise InvalidInput(_("There is no such indicator."))
        if given.level is not None and given.level not in levels:
            raise InvalidInput(
                _("Choose a level from the scale."), field=f"level_{indicator_id}"
            )
    if submit:
        for indicator in instrument.indicators:
            mine = ratings.get(indicator.id)
            if mine is None or mine.level is None:
                raise InvalidInput(
                    _("Rate every indicator before you share your ratings."),
                    field=f"level_{indicator.id}",
                )
    assessment = assessment_of(session, cycle, actor)
    if assessment is None:
        assessment = EquityAssessment(cycle_id=cycle.id, user_id=actor.id)
        session.add(assessment)
    by_indicator = {r.indicator_id: r for r in assessment.ratings}
    for indicator_id, given in ratings.items():
        evidence = check_links(given.evidence, f"evidence_{indicator_id}")
        rating = by_indicator.get(indicator_id)
        if rating is None:
            rating = EquityRating(indicator_id=indicator_id)
            assessment.ratings.append(rating)
        rating.level = given.level
        rating.comment = given.comment.strip()
        rating.evidence = evidence
    if submit and assessment.submitted_at is None:
        assessment.submitted_at = utcnow()
    assessment.updated_at = utcnow()
    session.flush()
    return assessment


def submitted(session: DbSession, cycle: EquityCycle) -> list[EquityAssessment]:
    """The submitted assessments of a cycle, by the members' names: what the team sees
    side by side (drafts are their author's alone)."""
    return sorted(
        session.scalars(
            select(EquityAssessment)
            .where(
                EquityAssessment.cycle_id == cycle.id,
                EquityAssessment.submitted_at.is_not(None),
            )
            .options(
                selectinload(EquityAssessment.ratings),
                selectinload(EquityAssessment.user),
            )
        ),
        key=lambda a: a.user.name.casefold(),
    )


def consensus(session: DbSession, cycle: EquityCycle) -> dict[str, EquityConsensus]:
    return {
        c.indicator_id: c
        for c in session.scalars(
            select(EquityConsensus).where(EquityConsensus.cycle_id == cycle.id)
        )
    }


def record_consensus(
    session: DbSession,
    actor: User,
    cycle: EquityCycle,
    instrument: Instrument,
    values: dict[str, tuple[int | None, str]],
) -> int:
    """The lead records the agreed rating (and a note) per indicator; an empty level
    leaves an indicator undecided. Returns how many are recorded. Raises
    PermissionDenied, InvalidInput."""
    district = session.get(District, cycle.district_id)
    if district is None or not policies.can_record_consensus(session, actor, district):
        raise PermissionDenied(_("Only the team lead records the consensus."))
    levels = {s.level for s in instrument.scale}
    existing = consensus(session, cycle)
    for indicator_id, (level, note) in values.items():
        if instrument.indicator(indicator_id) is None:
            raise InvalidInput(_("There is no such indicator."))
        if level is None:
            continue
        if level not in levels:
            raise InvalidInput(
                _("Choose a level from the scale."), field=f"level_{indicator_id}"
            )
        row = existing.get(indicator_id)
        if row is None:
            row = EquityConsensus(
                cycle_id=cycle.id, indicator_id=indicator_id, level=level
            )
            session.add(row)
            existing[indicator_id] = row
        row.level = level
        row.note = note.strip()
        row.recorded_by_id = actor.id
        row.recorded_at = utcnow()
    session.flush()
    return len(existing)


# --- change over time ----------------------------------------------------------------


@dataclass
class CycleSummary:
    """A cycle's consensus averaged per area and per divide (None where no indicator
    of it has a consensus yet)."""

    cycle: EquityCycle
    by_area: dict[str, float | None] = field(default_factory=dict)
    by_divide: dict[str, float | None] = field(default_factory=dict)
    decided: int = 0


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def change_over_time(
    session: DbSession, district: District, instrument: Instrument
) -> list[CycleSummary]:
    """Per cycle, oldest first: the mean consensus level of each area and divide."""
    found = cycles(session, district)
    levels: dict[int, dict[str, int]] = {c.id: {} for c in found}
    if found:
        for row in session.scalars(
            select(EquityConsensus).where(
                EquityConsensus.cycle_id.in_([c.id for c in found])
            )
        ):
            levels[row.cycle_id][row.indicator_id] = row.level
    summaries = []
    for cycle in found:
        mine = levels[cycle.id]
        summary = CycleSummary(cycle, decided=len(mine))
        for area in instrument.areas:
            summary.by_area[area.id] = _mean(
                [mine[i.id] for i in area.indicators if i.id in mine]
            )
        for divide in instrument.divides:
            summary.by_divide[divide.id] = _mean(
                [mine[i.id] for i in instrument.indicators
                 if i.divide == divide.id and i.id in mine]
            )  # fmt: skip
        summaries.append(summary)
    return summaries
