"""Demo data for pathways: the district's "Digital equity leadership" pathway, which
the demo teacher is one badge from completing (once)."""

from __future__ import annotations

from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.db import DbSession
from pdhub.districts.models import District
from pdhub.pathways import service
from pdhub.pathways.models import Pathway

NAME = "Digital equity leadership"


def seed(
    session: DbSession, district: District, required: str, electives: list[str]
) -> None:
    """Dana defines the pathway: ``required`` (the module Maya is working through)
    and one of ``electives`` (she holds the badge of the first)."""
    if session.scalar(
        select(Pathway).where(Pathway.district_id == district.id, Pathway.name == NAME)
    ):
        return
    admin = session.scalar(
        select(User).where(User.email == "district@riverside.example.org")
    )
    if admin is None:
        return
    service.create_pathway(
        session,
        admin,
        name=NAME,
        description=(
            "For teachers who lead digital equity work in their school: the "
            "equity module and one more badge of your choice."
        ),
        milestone_name="Digital Equity Leader",
        required=[required],
        electives=electives,
        electives_required=1,
    )
