"""Modules (the database mirror of modules/), their lessons, enrollments, lesson
progress and knowledge-check attempts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow, value_enum

if TYPE_CHECKING:
    from pdhub.accounts.models import User


class Module(Base):
    """One version of a module package. Versions are immutable once imported: a changed
    package becomes a new row, and enrollments keep the version they started."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    # Only the newest version of a slug is offered in the catalog.
    is_current: Mapped[bool] = mapped_column(default=True, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(400))
    competency: Mapped[str] = mapped_column(Text)
    hours: Mapped[float]
    topics: Mapped[list[str]] = mapped_column(JSON)
    grade_bands: Mapped[list[str]] = mapped_column(JSON)
    # The equity self-assessment areas and divides it addresses:
    # {"areas": [...], "divides": [...]}, or {} when the module declares none.
    equity: Mapped[dict[str, list[str]]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )
    # The optional pre/post survey: {"items": [{"id", "text"}], "follow_up": [...]}
    # in English (translations under Module.translations[lang]["survey"]), or {}.
    survey: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )
    # The self-assessment items (module.yaml's ``competencies``):
    # [{"id", "en", "es", "divide"}], or [] when the module declares none.
    competencies: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    # Sections of module.yaml kept as they were validated (see pdhub.learning.packages);
    # they are read, never edited, so JSON keeps each version an exact snapshot.
    key_method: Mapped[dict[str, Any]] = mapped_column(JSON)
    research: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    resources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    standards: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quiz: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    rubric: Mapped[dict[str, Any]] = mapped_column(JSON)
    badge_name: Mapped[str] = mapped_column(String(120))
    badge_description: Mapped[str] = mapped_column(Text)
    badge_image: Mapped[bytes] = mapped_column(LargeBinary)
    badge_media_type: Mapped[str] = mapped_column(String(40))
    badge_alt: Mapped[str] = mapped_column(String(300))
    # How long its credentials are valid (their validUntil); None: no expiry.
    valid_for_days: Mapped[int | None]
    # How a badge that expires is renewed: "knowledge_check" (pass it again) or
    # "reflection" (a reflection on continued practice that a coach reviews).
    renewal: Mapped[str] = mapped_column(
        String(20), default="knowledge_check", server_default="knowledge_check"
    )
    # By language code: the module's texts in that language (translations/<code>.yaml;
    # lessons with their rendered body_html), read through pdhub.learning.localized.
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Lower-cased title, summary, competency, topics and lesson titles for search
    # (in every language the module has).
    search_text: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module",
        order_by="Lesson.position",
        cascade="all, delete-orphan",
    )


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    body_markdown: Mapped[str] = mapped_column(Text)
    # Rendered once at import (markdown-it-py, raw HTML off) and sanitized with nh3.
    body_html: Mapped[str] = mapped_column(Text)

    module: Mapped[Module] = relationship(back_populates="lessons")


class EnrollmentStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrollment(Base):
    """A teacher working through one version of a module."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        # A teacher's enrollments by status and module (with when each was
        # completed): the district pages check completions per teacher from it.
        Index(
            "ix_enrollments_user_status_module_completed",
            "user_id",
            "status",
            "module_id",
            "completed_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[EnrollmentStatus] = mapped_column(
        value_enum(EnrollmentStatus, "enrollment_status"),
        default=EnrollmentStatus.IN_PROGRESS,
    )
    # Where to resume: the last lesson opened.
    current_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    # The language the module is taken in (the teacher's when they enrolled, where
    # the module has it, else English): its credential is issued in it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()
    current_lesson: Mapped[Lesson | None] = relationship()
    lesson_progress: Mapped[list[LessonProgress]] = relationship(
        back_populates="enrollment", cascade="all, delete-orphan"
    )


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship(back_populates="lesson_progress")


class QuizAttemptStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # saved; the grading job scores it after commit
    GRADED = "graded"


class QuizAttempt(Base):
    """One try at a module's knowledge check. Answers are saved as submitted; the
    grading job (a worker, or in process in the embedded default) scores them."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("enrollment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[QuizAttemptStatus] = mapped_column(
        value_enum(QuizAttemptStatus, "quiz_attempt_status"),
        default=QuizAttemptStatus.SUBMITTED,
        index=True,
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    graded_at: Mapped[datetime | None]
    score_percent: Mapped[int | None]
    passed: Mapped[bool | None]
    # Per question: correct, points, feedback (see packages.QuizScore).
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # The paper this attempt was given: {"questions": [ids in order], "choices":
    # {question id: [choice ids in order]}}; None for attempts that asked everything
    # in the module's order (before papers were drawn per attempt).
    paper: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    enrollment: Mapped[Enrollment] = relationship()


class QuizAttemptGrant(Base):
    """More knowledge-check attempts given to a teacher who used them all, by a coach
    who serves them or their district's administrator: who, when, how many, why."""

    __tablename__ = "quiz_attempt_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    attempts: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    granted_by: Mapped[User | None] = relationship()
