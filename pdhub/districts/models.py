"""Districts, their schools, staff invitations, rosters and assignments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import Role
from pdhub.db import Base, TimestampMixin, utcnow, value_enum
from pdhub.privacy.encryption import SealedText

if TYPE_CHECKING:
    from pdhub.accounts.models import User


class District(TimestampMixin, Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    # Teachers type this code at sign-up to join the district without an invitation.
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The IANA zone its people see times in unless they choose their own; empty is UTC.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # The language (pdhub.i18n.LANGUAGES) its people get pages and emails in when
    # neither they nor their browser choose one; empty is English.
    default_language: Mapped[str | None] = mapped_column(String(8))
    # Erasing an account revokes its credentials too (else those naming no one stay
    # verifiable).
    revoke_on_erasure: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    # Days a decided submission's evidence (texts and files) is kept; empty is
    # forever.
    evidence_retention_days: Mapped[int | None]
    # Days an account nobody signed in to is kept before it is erased; empty is
    # forever.
    inactive_account_days: Mapped[int | None]

    schools: Mapped[list[School]] = relationship(
        back_populates="district", order_by="School.name"
    )


class School(TimestampMixin, Base):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(160))

    district: Mapped[District] = relationship(back_populates="schools")


class Invitation(Base):
    """An emailed invitation to join a district with a role; the link carries a token
    whose hash is stored here."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(value_enum(Role, "role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    district: Mapped[District] = relationship()
    school: Mapped[School | None] = relationship()
    invited_by: Mapped[User | None] = relationship()


class RosterSource(enum.StrEnum):
    """Where a roster came from: each source's people are matched and retired apart."""

    ONEROSTER = "oneroster"
    SIMPLE = "simple"


class RosterImportStatus(enum.StrEnum):
    PREVIEW = "preview"  # read and checked, nothing applied
    QUEUED = "queued"  # confirmed; the job applies it
    APPLYING = "applying"
    DONE = "done"
    FAILED = "failed"


class RosterImport(Base):
    """One uploaded roster: its checked rows wait here until the administrator
    confirms, then a job applies them ``processed`` rows at a time."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    source: Mapped[RosterSource] = mapped_column(
        value_enum(RosterSource, "roster_source")
    )
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[RosterImportStatus] = mapped_column(
        value_enum(RosterImportStatus, "roster_import_status"),
        default=RosterImportStatus.PREVIEW,
    )
    # The rows as read (dicts), and every problem found ({line, column, message}).
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Schools named in the file (orgs.csv or the school column) not in the district yet.
    new_schools: Mapped[list[str]] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    # What applying did: {"invited": n, "updated": n, "deactivated": n, ...}.
    outcome: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class RosterEntry(Base):
    """One person as a roster source knows them, matched to an account once they have
    one. Re-imports find the entry by its source id, so an email change keeps the
    person; an entry missing from a later import of its source is retired."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("district_id", "source", "sourced_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[RosterSource] = mapped_column(
        value_enum(RosterSource, "roster_source")
    )
    # The OneRoster sourcedId; for the simple CSV, the lower-cased email.
    sourced_id: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(value_enum(Role, "role"))
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="SET NULL")
    )
    language: Mapped[str | None] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    last_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_imports.id", ondelete="SET NULL")
    )

    user: Mapped[User | None] = relationship()


class RosterSchedule(enum.StrEnum):
    OFF = "off"
    DAILY = "daily"


class RosterConnection(TimestampMixin, Base):
    """A district's OneRoster 1.2 REST provider: where to fetch its staff and schools
    (OAuth 2.0 client credentials; the secret is kept encrypted with PDHUB_DATA_KEY).
    A sync reads it into a RosterImport, so it is previewed and applied by the very
    rules of an uploaded OneRoster file."""

    __tablename__ = "roster_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), unique=True
    )
    base_url: Mapped[str] = mapped_column(String(500))
    token_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    text_key_version: Mapped[str | None] = mapped_column(String(16))
    schedule: Mapped[RosterSchedule] = mapped_column(
        value_enum(RosterSchedule, "roster_schedule"), default=RosterSchedule.OFF
    )
    # Whose name invitations from scheduled syncs go out under (who saved it last).
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    last_synced_at: Mapped[datetime | None]

    client_secret = SealedText("client_secret_encrypted")


class RosterSyncStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the job
    FETCHING = "fetching"  # reading the provider's orgs and users
    PREVIEW = "preview"  # read into a preview import; nothing applied
    APPLYING = "applying"
    DONE = "done"
    FAILED = "failed"  # the provider could not be read or the roster has problems


class RosterSync(Base):
    """One run of a roster connection: what it fetched, the preview import it made,
    and, when it failed, why (nothing is applied then)."""

    __tablename__ = "roster_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("roster_connections.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    scheduled: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[RosterSyncStatus] = mapped_column(
        value_enum(RosterSyncStatus, "roster_sync_status"),
        default=RosterSyncStatus.QUEUED,
    )
    # Records read so far, and how many the provider said there are (X-Total-Count).
    fetched: Mapped[int] = mapped_column(default=0)
    expected: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_imports.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    roster_import: Mapped[RosterImport | None] = relationship()


class AssignmentTarget(enum.StrEnum):
    EVERYONE = "everyone"
    SCHOOL = "school"
    PEOPLE = "people"


class Assignment(Base):
    """A module the district asks its teachers to complete by a date: all of them, one
    school's, or a list of people. Who it covers is worked out when asked, so a
    teacher who joins the school later is covered too."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    # The module by slug: whichever version a person completes counts.
    module_slug: Mapped[str] = mapped_column(String(80))
    target: Mapped[AssignmentTarget] = mapped_column(
        value_enum(AssignmentTarget, "assignment_target")
    )
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE")
    )
    due_date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    school: Mapped[School | None] = relationship()
    people: Mapped[list[AssignmentPerson]] = relationship(cascade="all, delete-orphan")


class AssignmentPerson(Base):
    """One named person of an assignment made for a list of people."""

    __tablename__ = "assignment_people"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )


class ReminderStage(enum.StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class AssignmentReminder(Base):
    """A reminder sent: at most one per person, assignment and stage."""

    __tablename__ = "assignment_reminders"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[ReminderStage] = mapped_column(
        value_enum(ReminderStage, "reminder_stage")
    )
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- credit, learning done elsewhere, approvals -----------------------------------


class CreditUnit(enum.StrEnum):
    """The unit a district counts credit in."""

    HOURS = "hours"
    POINTS = "points"
    CEUS = "ceus"


class CreditPolicy(Base):
    """How a district counts professional learning: the unit of its credit, the month
    its school year starts, and whether a school leader approves learning done
    elsewhere before the district does. A district without a row uses the defaults."""

    __tablename__ = "credit_policies"

    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True
    )
    unit: Mapped[CreditUnit] = mapped_column(
        value_enum(CreditUnit, "credit_unit"), default=CreditUnit.HOURS
    )
    # 1 to 12; July (7) unless the district says otherwise.
    year_start_month: Mapped[int] = mapped_column(default=7)
    two_stage: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HoursTarget(Base):
    """The hours of professional learning a district expects of each teacher in one
    school year (``year`` is the calendar year the school year starts in)."""

    __tablename__ = "hours_targets"

    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hours: Mapped[float]

    def __repr__(self) -> str:
        return f"<HoursTarget {self.district_id} {self.year}>"


class ModuleCredit(Base):
    """A module (by slug: every version counts) the district grants credit for, what
    for, and how many of the district's units it is worth."""

    __tablename__ = "module_credits"
    __table_args__ = (UniqueConstraint("district_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE")
    )
    module_slug: Mapped[str] = mapped_column(String(80))
    salary: Mapped[bool] = mapped_column(default=False)
    recertification: Mapped[bool] = mapped_column(default=False)
    units: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExternalStatus(enum.StrEnum):
    WITH_SCHOOL = "with_school"  # waiting for a school leader (two-stage districts)
    WITH_DISTRICT = "with_district"  # waiting for the district administrator
    APPROVED = "approved"
    RETURNED = "returned"  # sent back with a reason; the teacher may correct it


class ExternalLearning(Base):
    """Professional learning a teacher did elsewhere (a conference, a course), with
    its certificate (encrypted in the file store), for the district to approve."""

    __tablename__ = "external_learning"
    __table_args__ = (
        Index("ix_external_learning_district_status", "district_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float]
    description: Mapped[str] = mapped_column(Text, default="")
    certificate_filename: Mapped[str] = mapped_column(String(255))
    certificate_media_type: Mapped[str] = mapped_column(String(100))
    certificate_size: Mapped[int]
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    certificate_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[ExternalStatus] = mapped_column(
        value_enum(ExternalStatus, "external_status")
    )
    # The language the teacher wrote in: decisions are told to them in it.
    language: Mapped[str] = mapped_column(String(8), default="en")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    decisions: Mapped[list[ExternalDecision]] = relationship(
        order_by="ExternalDecision.id", cascade="all, delete-orphan"
    )


class ApprovalStage(enum.StrEnum):
    SCHOOL = "school"
    DISTRICT = "district"


class ExternalDecision(Base):
    """One approval or return of a request, by whom, at which stage, and why."""

    __tablename__ = "external_learning_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("external_learning.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[ApprovalStage] = mapped_column(
        value_enum(ApprovalStage, "approval_stage")
    )
    approved: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship()
