"""Demo data for the district's equity work: a team, a completed cycle with its
consensus, and an open second cycle that shows change, with a plan (once)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.equity import instrument as instrument_file
from pdhub.equity.models import (
    ActionStatus,
    EquityAction,
    EquityAssessment,
    EquityConsensus,
    EquityCycle,
    EquityGoal,
    EquityRating,
    EquityReflection,
    EquityTeamMember,
    TeamRole,
)

TEAM = (
    ("district@riverside.example.org", TeamRole.LEAD),
    ("coach@riverside.example.org", TeamRole.MEMBER),
    ("teacher@riverside.example.org", TeamRole.MEMBER),
)
#: The agreed level of each indicator in the first and the second cycle: access
#: improved most, design least.
FIRST = {"access": 1, "use": 1, "design": 0}
SECOND = {"access": 3, "use": 2, "design": 1}


def _assess(
    session: DbSession, cycle: EquityCycle, user: User, levels: dict[str, int]
) -> None:
    instrument = instrument_file.load("en")
    assessment = EquityAssessment(
        cycle_id=cycle.id, user_id=user.id, submitted_at=cycle.started_at
    )
    assessment.ratings = [
        EquityRating(
            indicator_id=indicator.id,
            level=levels[indicator.divide],
            comment="Seen in classroom visits this term.",
            evidence="https://riverside.example.org/equity/visits",
        )
        for indicator in instrument.indicators
    ]
    session.add(assessment)


#: The module the demo's administrator assigns from a gap (the design divide of the
#: essential conditions, rated "beginning" in the second cycle), through the gaps
#: page's own step (gaps.assign).
GAP_MODULE = "collaborative-learning-communities"


def seed(session: DbSession, district: District) -> None:
    seed_cycles(session, district)
    assign_from_gap(session, district)


def assign_from_gap(session: DbSession, district: District) -> None:
    """Dana assigns a module recommended for one of the gaps to all the district's
    teachers, due in six weeks (once; nothing if it is not recommended)."""
    from pdhub.accounts.models import Role
    from pdhub.districts.assignments import district_today
    from pdhub.districts.models import Assignment
    from pdhub.equity import gaps

    if session.scalar(
        select(Assignment.id).where(
            Assignment.district_id == district.id,
            Assignment.module_slug == GAP_MODULE,
        )
    ):
        return
    admin = session.scalar(
        select(User)
        .where(User.district_id == district.id, User.role == Role.DISTRICT_ADMIN)
        .order_by(User.id)
        .limit(1)
    )
    instrument = instrument_file.load("en")
    _cycle, offered = gaps.recommendations(session, district, instrument)
    if admin is None or GAP_MODULE not in {r.slug for r in offered}:
        return
    gaps.assign(
        session,
        admin,
        district,
        instrument,
        module_slug=GAP_MODULE,
        due_date=district_today(district) + timedelta(days=42),
        school=None,
    )


def seed_cycles(session: DbSession, district: District) -> None:
    if session.scalar(
        select(EquityCycle.id).where(EquityCycle.district_id == district.id)
    ):
        return
    instrument = instrument_file.load("en")
    people = []
    for email, role in TEAM:
        user = session.scalar(select(User).where(User.email == email))
        if user is None or user.district_id != district.id:
            continue
        session.add(
            EquityTeamMember(district_id=district.id, user_id=user.id, role=role)
        )
        people.append(user)
    if not people:
        return
    lead = people[0]
    now = utcnow()
    first = EquityCycle(
        district_id=district.id,
        name="Fall 2026",
        instrument_version=instrument.version,
        started_at=now - timedelta(days=120),
        started_by_id=lead.id,
    )
    second = EquityCycle(
        district_id=district.id,
        name="Spring 2027",
        instrument_version=instrument.version,
        started_at=now - timedelta(days=10),
        started_by_id=lead.id,
    )
    session.add_all([first, second])
    session.flush()
    for number, person in enumerate(people):
        _assess(
            session,
            first,
            person,
            {k: max(v - number % 2, 0) for k, v in FIRST.items()},
        )
    _assess(session, second, people[-1], SECOND)
    for cycle, levels in ((first, FIRST), (second, SECOND)):
        session.add_all(
            EquityConsensus(
                cycle_id=cycle.id,
                indicator_id=indicator.id,
                level=levels[indicator.divide],
                recorded_by_id=lead.id,
            )
            for indicator in instrument.indicators
        )
    session.add_all(
        [
            EquityReflection(
                cycle_id=second.id,
                area_id="classroom",
                question_id="passive-active",
                answer="Grade 6 maths still uses drill apps most of the time.",
            ),
            EquityGoal(
                cycle_id=second.id,
                area_id="classroom",
                text="Every class uses technology to create something each week.",
            ),
            EquityGoal(
                cycle_id=second.id,
                area_id="conditions",
                text="Every teacher joins a community of practice on lesson design.",
            ),
        ]
    )
    owners = {p.email: p for p in people}
    coach = owners.get("coach@riverside.example.org", lead)
    teacher = owners.get("teacher@riverside.example.org", lead)
    today = now.date()
    session.add_all(
        [
            EquityAction(
                cycle_id=second.id,
                area_id="classroom",
                title="Model one creation project in each school",
                owner_id=coach.id,
                due_date=today + timedelta(days=2),
                status=ActionStatus.IN_PROGRESS,
                evidence_url="https://riverside.example.org/equity/projects",
            ),
            EquityAction(
                cycle_id=second.id,
                area_id="conditions",
                title="Assign the lesson design module to all teachers",
                owner_id=lead.id,
                due_date=today + timedelta(days=30),
                status=ActionStatus.NOT_STARTED,
            ),
            EquityAction(
                cycle_id=second.id,
                area_id="getting-started",
                title="Invite two family liaisons to the team",
                owner_id=teacher.id,
                due_date=today - timedelta(days=5),
                status=ActionStatus.DONE,
            ),
        ]
    )
    session.flush()
