"""Data exports (a ZIP built by a worker, fetched once through an emailed link) and
the record of retention: the notices sent before a purge and each purge run."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import User
from pdhub.db import Base, utcnow, value_enum


class ExportKind(enum.StrEnum):
    ACCOUNT = "account"  # everything held about the person who asked
    DISTRICT = "district"  # a district's records, for its administrator


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class DataExport(Base):
    """One export asked for: the worker writes the ZIP (encrypted) to the file store
    and emails a link whose token we keep hashed; the link works once, for its owner,
    until ``expires_at``."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ExportKind] = mapped_column(value_enum(ExportKind, "export_kind"))
    status: Mapped[ExportStatus] = mapped_column(
        value_enum(ExportStatus, "export_status"), default=ExportStatus.PENDING
    )
    storage_key: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<DataExport {self.id} {self.kind.value} {self.status.value}>"


class RetentionKind(enum.StrEnum):
    EVIDENCE = "evidence"  # a decided submission's texts and files
    ACCOUNT = "account"  # an account nobody used for the district's period


class RetentionNotice(Base):
    """The one warning, 14 days ahead, that something of a person's will be purged
    (``subject_id`` is the submission or the user)."""

    __tablename__ = "retention_notices"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RetentionKind] = mapped_column(
        value_enum(RetentionKind, "retention_kind")
    )
    subject_id: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    purge_after: Mapped[datetime]
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RetentionNotice {self.id} {self.kind.value}:{self.subject_id}>"


class RetentionRun(Base):
    """What one run of the retention job did (counts and ids, never names)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    notices_sent: Mapped[int] = mapped_column(default=0)
    evidence_purged: Mapped[int] = mapped_column(default=0)
    accounts_erased: Mapped[int] = mapped_column(default=0)
    #: {"submissions": [ids], "users": [ids]} purged by this run.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<RetentionRun {self.id}>"
