"""Demo cohort for ``pdhub demo``: the demo coach leads the demo teachers through two
modules, with a held session (attendance taken), upcoming ones and a discussion,
built with the same service functions people use."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from pdhub.accounts.models import User
from pdhub.cohorts import service
from pdhub.cohorts.models import Cohort
from pdhub.communities import service as communities
from pdhub.db import DbSession, utcnow
from pdhub.learning.models import Module

MEMBERS = (
    "teacher@riverside.example.org",
    "marisol@riverside.example.org",
    "leo@riverside.example.org",
    "priya@riverside.example.org",
)


def seed(session: DbSession) -> None:
    """Does nothing once any cohort exists, or without the demo coach and modules."""
    if session.scalar(select(exists().where(Cohort.id.is_not(None)))):
        return
    coach = session.scalar(
        select(User).where(User.email == "coach@riverside.example.org")
    )
    slugs = list(
        session.scalars(
            select(Module.slug)
            .where(Module.is_current.is_(True))
            .order_by(Module.slug)
            .limit(2)
        )
    )
    if coach is None or coach.district_id is None or not slugs:
        return
    today = utcnow().date()
    cohort = service.create(
        session,
        coach,
        name="Riverside spring cohort",
        description=(
            "Teachers of Riverside working through the digital-equity modules "
            "together. We meet every two weeks; bring one lesson to share."
        ),
        starts_on=today - timedelta(days=14),
        ends_on=today + timedelta(days=75),
        module_slugs=slugs,
    )
    people = list(session.scalars(select(User).where(User.email.in_(MEMBERS))))
    for person in people:
        service.add_member(session, coach, cohort, person.email)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    held = service.add_session(
        session, coach, cohort, starts_at=now - timedelta(days=7, hours=2),
        duration_minutes=60, place="Riverside Middle School, library",
        agenda="Welcome and goals.\nEach member shares how devices are shared in "
        "their classroom.",
    )  # fmt: skip
    service.add_session(
        session, coach, cohort, starts_at=now + timedelta(days=7),
        duration_minutes=60, place="https://meet.example.org/riverside-cohort",
        agenda="Lesson plans for classes with limited devices: bring a draft.",
    )  # fmt: skip
    service.add_session(
        session, coach, cohort, starts_at=now + timedelta(days=21),
        duration_minutes=90, place="Riverside Middle School, room 12",
        agenda="Share evidence drafts and give each other feedback.",
    )  # fmt: skip
    service.record_attendance(
        session, coach, cohort, held, {p.id for p in people[: max(1, len(people) - 1)]}
    )
    community = cohort.community
    thread = communities.start_thread(
        session, coach, community, title="Before our next session",
        body="Please post one idea you tried since the last session, "
        "even a small one.",
    )  # fmt: skip
    for person in people[:2]:
        communities.reply(
            session, person, thread,
            body="I started paper stations while half the class uses laptops."
            if person.language != "es"
            else "Probé estaciones en papel mientras la mitad usa las computadoras.",
        )  # fmt: skip
    session.flush()
