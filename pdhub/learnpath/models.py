"""A teacher's latest self-assessment, and the class-level access inventory given with
the digital-equity module's evidence."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.learning.models import Enrollment


class LearnerSelfAssessment(Base):
    """The teacher's answers, one row per teacher: retaking replaces the answers."""

    __tablename__ = "learner_self_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # {"<module slug>/<competency id>": "beginning" | "developing" | "confident"}
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    times_taken: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship()


class ClassInventory(Base):
    """Counts about one class (never about a student) given with one enrollment's
    evidence. ``shared`` is the teacher's consent to count it in the district's access
    picture; off unless they tick it, and they may untick it at any time."""

    __tablename__ = "class_inventories"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Where the teacher taught the class when they last saved it.
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="SET NULL"), index=True
    )
    module_slug: Mapped[str] = mapped_column(String(80))
    students: Mapped[int]
    # {"device_at_home": 21, "home_internet": 18, ...}: the module's counts.
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    shared_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
