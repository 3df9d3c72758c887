"""Pathways: required and elective modules that together earn a milestone
credential, and each teacher's completion of one (with its signed credential)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import User
from pdhub.db import Base, utcnow


class Pathway(Base):
    """A pathway of one district (``district_id``), or of the whole platform when an
    administrator made it (``district_id`` is None)."""

    __tablename__ = "pathways"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The milestone achievement the pathway earns ("Digital Equity Leader").
    milestone_name: Mapped[str] = mapped_column(String(200))
    # How many of the elective modules a teacher needs (N of M).
    electives_required: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    steps: Mapped[list[PathwayStep]] = relationship(
        back_populates="pathway",
        cascade="all, delete-orphan",
        order_by="PathwayStep.position",
    )
    outside_steps: Mapped[list[PathwayOutsideStep]] = relationship(
        back_populates="pathway",
        cascade="all, delete-orphan",
        order_by="PathwayOutsideStep.id",
    )


class PathwayStep(Base):
    """One module of a pathway, by slug (any version of it counts), required or
    elective."""

    __tablename__ = "pathway_steps"
    __table_args__ = (UniqueConstraint("pathway_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("pathways.id", ondelete="CASCADE")
    )
    module_slug: Mapped[str] = mapped_column(String(100))
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    pathway: Mapped[Pathway] = relationship(back_populates="steps")


class PathwayOutsideStep(Base):
    """An elective earned elsewhere: an achievement (by its id) of another issuer
    (by its identifier), counted when a teacher holds that badge in their records
    (``pdhub.backpack``) and the issuer is on the pathway's district's trust list (or
    the platform's) when it is counted."""

    __tablename__ = "pathway_outside_steps"
    __table_args__ = (UniqueConstraint("pathway_id", "issuer_id", "achievement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("pathways.id", ondelete="CASCADE"), index=True
    )
    issuer_id: Mapped[str] = mapped_column(String(500))
    achievement_id: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(200))

    pathway: Mapped[Pathway] = relationship(back_populates="outside_steps")


class PathwayCompletion(Base):
    """A teacher completed a pathway: recorded once (the unique constraint), then
    its milestone credential is signed by a task and stored here, never edited.

    Its status entry shares the issuer's status lists with module credentials, so
    the (list, index) pair is unique here and ``credentials.status`` counts these
    indexes as used."""

    __tablename__ = "pathway_completions"
    __table_args__ = (
        UniqueConstraint("pathway_id", "user_id"),
        UniqueConstraint("revocation_list_id", "revocation_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("pathways.id", ondelete="RESTRICT")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The signed milestone credential (set once by the issuing task).
    credential_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    credential_json: Mapped[str | None] = mapped_column(Text)
    issuer_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("issuer_keys.id", ondelete="RESTRICT")
    )
    revocation_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_lists.id", ondelete="RESTRICT")
    )
    revocation_index: Mapped[int | None]
    issued_at: Mapped[datetime | None]
    # Revoked for good by a platform administrator (its status bit is set); the
    # reason is public, like a module credential's.
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(500))

    pathway: Mapped[Pathway] = relationship()
    user: Mapped[User] = relationship()

    @property
    def document(self) -> dict[str, Any] | None:
        import json

        if self.credential_json is None:
            return None
        parsed: dict[str, Any] = json.loads(self.credential_json)
        return parsed
