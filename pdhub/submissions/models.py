"""Evidence submissions: the teacher's working draft, the snapshot taken at each submit,
and uploaded files (stored encrypted, see storage.py). The free texts are encrypted at
rest too (``pdhub.privacy.encryption.SealedText``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow, value_enum
from pdhub.learning.models import Enrollment
from pdhub.privacy.encryption import SealedText, key_version, sealed_empty
from pdhub.submissions.states import SubmissionStatus


class Submission(Base):
    """The evidence for one enrollment: the editable draft plus its workflow status."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_status_submitted_at", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[SubmissionStatus] = mapped_column(
        value_enum(SubmissionStatus, "submission_status"),
        default=SubmissionStatus.DRAFT,
    )
    # The draft, saved as the teacher types (or with the Save button); encrypted at
    # rest, read and written through ``context_text`` and ``reflection_text``.
    context_encrypted: Mapped[str] = mapped_column(Text, default=sealed_empty)
    reflection_encrypted: Mapped[str] = mapped_column(Text, default=sealed_empty)
    # The fingerprint of the data key both texts are encrypted with.
    text_key_version: Mapped[str] = mapped_column(String(16), default=key_version)
    context_text = SealedText("context_encrypted", siblings=("reflection_encrypted",))
    reflection_text = SealedText(
        "reflection_encrypted", siblings=("context_encrypted",)
    )
    # [{"url": ..., "title": ...}]
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The teacher's choice to put their links (URL and title, nothing else) into the
    # badge as Open Badges evidence; off unless they tick it.
    share_evidence_in_badge: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    draft_saved_at: Mapped[datetime | None]
    # Set at each submit; the grading sweep re-sends jobs for rows stuck in SUBMITTED.
    submitted_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the district's retention period (or an erasure) removed the texts and
    # files; the decision and scores stay.
    evidence_purged_at: Mapped[datetime | None]

    enrollment: Mapped[Enrollment] = relationship()
    artifacts: Mapped[list[Artifact]] = relationship(
        order_by="Artifact.uploaded_at",
        primaryjoin="and_(Artifact.submission_id == Submission.id, "
        "Artifact.removed_at.is_(None))",
        viewonly=True,
    )
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number"
    )


class SubmissionVersion(Base):
    """What the teacher submitted at one submit, kept unchanged for the history."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    # Encrypted at rest like the draft's texts.
    context_encrypted: Mapped[str] = mapped_column(Text, default=sealed_empty)
    reflection_encrypted: Mapped[str] = mapped_column(Text, default=sealed_empty)
    text_key_version: Mapped[str] = mapped_column(String(16), default=key_version)
    context_text = SealedText("context_encrypted", siblings=("reflection_encrypted",))
    reflection_text = SealedText(
        "reflection_encrypted", siblings=("context_encrypted",)
    )
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    artifact_ids: Mapped[list[int]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Filled by the screening job: {"complete": bool, "reasons": [...], "flags": [...]}
    screening: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    screened_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship(back_populates="versions")


class Artifact(Base):
    """An uploaded evidence file. The bytes live encrypted in file storage under
    ``storage_key``; the type is checked from the content, not the name."""

    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removing a file from the draft hides it; versions that referenced it keep it.
    removed_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship()
