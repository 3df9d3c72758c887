"""Coach review: who a coach serves, claims on submissions, and coaches' decisions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow, value_enum
from pdhub.learning.texts import _l
from pdhub.learning.texts import gettext as _

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.districts.models import District, School
    from pdhub.submissions.models import Submission, SubmissionVersion


class CoachAssignment(Base):
    """A coach serves a whole district, or one school of it.

    Cohorts arrive with the communities feature: they will add a nullable ``cohort_id``
    here, and the queue's scope query gains one more OR branch.
    """

    __tablename__ = "coach_assignments"
    __table_args__ = (UniqueConstraint("coach_id", "district_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    # None: every school of the district (and teachers without a school).
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    district: Mapped[District] = relationship()
    school: Mapped[School | None] = relationship()


class ReviewClaim(Base):
    """The coach currently scoring a submission. One row per submission at most; a
    claim past ``expires_at`` may be taken over by another coach (see service.claim)."""

    __tablename__ = "review_claims"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    coach: Mapped[User] = relationship()


class Decision(enum.StrEnum):
    PASSED = "passed"
    NEEDS_REVISION = "needs_revision"

    @property
    def label(self) -> str:
        return _(_l("Passed") if self is Decision.PASSED else _l("Needs revision"))


class Review(Base):
    """A coach's scored decision on one submitted version (one per version)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("submission_versions.id", ondelete="CASCADE"), unique=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    coach_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # {criterion_id: {"level": level_id, "feedback": str}}
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    overall_feedback: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Decision] = mapped_column(value_enum(Decision, "review_decision"))
    started_at: Mapped[datetime]
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    version: Mapped[SubmissionVersion] = relationship()
    submission: Mapped[Submission] = relationship()
    coach: Mapped[User | None] = relationship()
