"""Demo data for workshops: Dana's "Riverside Summer Institute: Digital Equity Day"
badge, awarded to Maya for the day she attended (once)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.db import DbSession
from pdhub.districts.models import District
from pdhub.workshops import service
from pdhub.workshops.models import Workshop

NAME = "Riverside Summer Institute: Digital Equity Day"
SESSION_DAY = date(2026, 7, 14)


def seed(session: DbSession, district: District, teacher_email: str) -> None:
    if session.scalar(
        select(Workshop).where(
            Workshop.district_id == district.id, Workshop.name == NAME
        )
    ):
        return
    admin = session.scalar(
        select(User).where(User.email == "district@riverside.example.org")
    )
    if admin is None:
        return
    workshop = service.create_workshop(
        session,
        admin,
        name=NAME,
        description=(
            "A day at the Riverside Summer Institute on closing the digital divide "
            "in every classroom: device and connectivity access, accessible "
            "materials, and families as partners."
        ),
        criteria=(
            "Attended the full institute day in person and drafted a classroom "
            "access plan with a colleague."
        ),
        hours=6,
        image="gold",
    )
    run = service.preview_csv(
        session,
        admin,
        workshop,
        SESSION_DAY,
        "summer-institute.csv",
        f"email,name\n{teacher_email}\n".encode(),
    )
    if run.rows:
        service.confirm(session, admin, run)
        # Issued here, so the demo shows it at once (the queued job finds it done).
        service.issue_chunk(session, run.id)
