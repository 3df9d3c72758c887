"""In-app notifications and the outgoing email outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from pdhub.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # A stable key (e.g. "submission:12:passed") makes creating one idempotent, so a
    # task that runs twice still notifies once.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class EmailMessage(Base):
    """An email waiting to be delivered (the outbox) or already delivered."""

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # The body carries a one-time link (reset, invitation, verification, undo): it is
    # stored encrypted and emptied once sent, so the outbox never holds a live link.
    holds_secret: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The RFC 5322 Message-ID every delivery attempt of this message carries, fixed
    # (and committed) before the first attempt: a resend is the same message.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Committed before each attempt, so an attempt cut short by a crash is on record.
    last_attempt_at: Mapped[datetime | None]
    # Extra header fields, such as a digest's List-Unsubscribe (RFC 8058).
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
