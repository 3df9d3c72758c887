"""A district's equity work: its team, its self-assessment cycles (each member's
ratings and the team's consensus) and each cycle's planning workbook."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow, value_enum

if TYPE_CHECKING:
    from pdhub.accounts.models import User


class TeamRole(enum.StrEnum):
    LEAD = "lead"  # records the consensus
    MEMBER = "member"


class EquityTeamMember(Base):
    """One person of the district's staff on its equity team."""

    __tablename__ = "equity_team_members"
    __table_args__ = (UniqueConstraint("district_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[TeamRole] = mapped_column(value_enum(TeamRole, "equity_team_role"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class EquityCycle(Base):
    """One round of self-assessment and planning (a term or a year). The newest cycle
    of a district is the open one; earlier ones are kept to show change."""

    __tablename__ = "equity_cycles"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    # The instrument version (equity/self-assessment.yaml) the cycle was rated on.
    instrument_version: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class EquityAssessment(Base):
    """One member's ratings in a cycle; others see them once submitted."""

    __tablename__ = "equity_assessments"
    __table_args__ = (UniqueConstraint("cycle_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("equity_cycles.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    ratings: Mapped[list[EquityRating]] = relationship(
        cascade="all, delete-orphan", order_by="EquityRating.id"
    )


class EquityRating(Base):
    """A member's rating of one indicator (by the instrument's id), why, and links to
    the evidence."""

    __tablename__ = "equity_ratings"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("equity_assessments.id", ondelete="CASCADE")
    )
    indicator_id: Mapped[str] = mapped_column(String(40))
    level: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    # One link a line.
    evidence: Mapped[str] = mapped_column(Text, default="")


class EquityConsensus(Base):
    """The rating the team agreed for one indicator in a cycle, recorded by its lead."""

    __tablename__ = "equity_consensus"
    __table_args__ = (UniqueConstraint("cycle_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("equity_cycles.id", ondelete="CASCADE"), index=True
    )
    indicator_id: Mapped[str] = mapped_column(String(40))
    level: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class EquityReflection(Base):
    """The team's answer to one reflection question of the workbook in a cycle."""

    __tablename__ = "equity_reflections"
    __table_args__ = (UniqueConstraint("cycle_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("equity_cycles.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[str] = mapped_column(String(40))
    question_id: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EquityGoal(Base):
    """A goal the team sets for one area in a cycle."""

    __tablename__ = "equity_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("equity_cycles.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class EquityAction(Base):
    """A concrete step of the plan: what, who owns it, by when, where it stands and a
    link to the evidence of progress."""

    __tablename__ = "equity_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("equity_cycles.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        value_enum(ActionStatus, "equity_action_status"),
        default=ActionStatus.NOT_STARTED,
    )
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()


class EquityActionReminder(Base):
    """A reminder sent to an action's owner: at most one per action and stage (the
    districts' ReminderStage: due soon, overdue)."""

    __tablename__ = "equity_action_reminders"
    __table_args__ = (UniqueConstraint("action_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("equity_actions.id", ondelete="CASCADE")
    )
    stage: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
