"""Impact and continuous improvement: teachers' feedback on modules and lessons, their
answers to a module's pre/post and follow-up survey, and the district's goals."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow, value_enum

if TYPE_CHECKING:
    from pdhub.learning.models import Enrollment, Lesson


class ModuleFeedback(Base):
    """A teacher's rating (1 to 5) of a module they completed, with an optional
    comment: one per enrollment, changed by giving it again."""

    __tablename__ = "module_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enrollment: Mapped[Enrollment] = relationship()


class LessonReport(Base):
    """ "Something here is out of date or wrong": a teacher's note on one lesson."""

    __tablename__ = "lesson_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    lesson: Mapped[Lesson] = relationship()


class SurveyPhase(enum.StrEnum):
    PRE = "pre"  # when the teacher starts the module
    POST = "post"  # when they complete it
    FOLLOW_UP = "follow_up"  # 30 to 60 days later, about continued use


class SurveyResponse(Base):
    """A teacher's answers to a module's survey in one phase: {item id: 1..5}."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("enrollment_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[SurveyPhase] = mapped_column(value_enum(SurveyPhase, "survey_phase"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()


class FollowUpInvitation(Base):
    """The follow-up survey sent for one completed enrollment: at most once."""

    __tablename__ = "follow_up_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class GoalKind(enum.StrEnum):
    #: A share of the district's teachers hold a module's badge by a date.
    BADGE_SHARE = "badge_share"
    #: Every indicator of a divide rated below "developing" in the newest equity
    #: consensus has an action in the plan for its area.
    EQUITY_PLAN = "equity_plan"


class ImpactGoal(Base):
    """A goal a district sets itself and follows on its dashboard."""

    __tablename__ = "impact_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[GoalKind] = mapped_column(value_enum(GoalKind, "impact_goal_kind"))
    module_slug: Mapped[str] = mapped_column(String(80), default="")
    target_percent: Mapped[int] = mapped_column(default=100)
    divide: Mapped[str] = mapped_column(String(20), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
