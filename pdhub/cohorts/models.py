"""Cohorts: a coach-led group of a district working through modules between two
dates, its scheduled sessions and the attendance the coach takes. A cohort's members
are the ``CommunityMember`` rows of its own community (kind cohort), so the people
who may read its discussion and the people in the cohort are one list."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.communities.models import Community


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The cohort's discussion space; its members are the cohort's members.
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Teachers of the district join with this code.
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The secret in the calendar feed's address, for calendar apps that can't sign in.
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    community: Mapped[Community] = relationship()
    modules: Mapped[list[CohortModule]] = relationship(
        cascade="all, delete-orphan", order_by="CohortModule.position"
    )


class CohortModule(Base):
    """A module (by slug: every version of it) the cohort works through."""

    __tablename__ = "cohort_modules"
    __table_args__ = (UniqueConstraint("cohort_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class CohortSession(Base):
    """A meeting of the cohort: when (stored in UTC), how long, where, and what for."""

    __tablename__ = "cohort_sessions"
    __table_args__ = (
        Index("ix_cohort_sessions_cohort_id_starts_at", "cohort_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    # A meeting link (https://...) or a room ("Library, room 12").
    place: Mapped[str] = mapped_column(String(300), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship()


class Attendance(Base):
    """Whether a member came to a session, as the coach recorded it."""

    __tablename__ = "cohort_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    present: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
