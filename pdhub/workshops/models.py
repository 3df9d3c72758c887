"""Workshops: achievements a district defines for in-person PD (a session, an
institute day), award runs that give one to a list of attendees, and each
attendee's award with its signed credential."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import User
from pdhub.db import Base, utcnow


class Workshop(Base):
    """A district-defined achievement for in-person PD: what it is, what it took
    (criteria), its PD hours and its picture (one of the built-in designs)."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[float] = mapped_column(default=0.0)
    # One of ``images.DESIGNS``.
    image: Mapped[str] = mapped_column(String(20), default="blue")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunStatus:
    PREVIEW = "preview"
    QUEUED = "queued"
    ISSUING = "issuing"
    DONE = "done"


class WorkshopRun(Base):
    """One award run: the attendees of a session (from a CSV or a cohort's
    attendance), checked in full (``problems``) before anything is issued, then
    issued by a job (``processed`` of ``total``, shown on the run's page)."""

    __tablename__ = "workshop_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    session_date: Mapped[date]
    # "csv" (with the file's name) or "cohort" (with the cohort session's id).
    source: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255), default="")
    cohort_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.PREVIEW)
    # Each attendee to award: {"line", "user_id", "email", "name"}.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Each row that will not be issued: {"line", "email", "message", "already"}.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    workshop: Mapped[Workshop] = relationship()


class WorkshopAward(Base):
    """A teacher was awarded a workshop for one session: recorded once (the unique
    constraint: sending the same list again adds nothing), its credential signed
    in the same step and stored, never edited. Its status entry shares the
    issuer's status lists with other credentials (``credentials.status`` counts
    these indexes as used)."""

    __tablename__ = "workshop_awards"
    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id", "session_date"),
        UniqueConstraint("revocation_list_id", "revocation_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="RESTRICT")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    session_date: Mapped[date]
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_runs.id", ondelete="SET NULL")
    )
    awarded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    credential_id: Mapped[str] = mapped_column(String(36), unique=True)
    credential_json: Mapped[str] = mapped_column(Text)
    issuer_key_id: Mapped[int] = mapped_column(
        ForeignKey("issuer_keys.id", ondelete="RESTRICT")
    )
    revocation_list_id: Mapped[int] = mapped_column(
        ForeignKey("status_lists.id", ondelete="RESTRICT")
    )
    revocation_index: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    workshop: Mapped[Workshop] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.credential_json)
        return parsed
