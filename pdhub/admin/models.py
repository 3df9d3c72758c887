"""Background jobs that failed for good, kept for administrators to see and retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pdhub.db import Base, utcnow


class JobFailure(Base):
    """A task that failed after its bounded retries, or on an error not retried."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Celery's task id: recording the same failed run twice keeps one row.
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    task_name: Mapped[str] = mapped_column(String(120), index=True)
    args: Mapped[list[Any]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int]
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an administrator sends the job again; the row stays as history.
    retried_at: Mapped[datetime | None]
