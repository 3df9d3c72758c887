"""Coaching: private conversations between a teacher and their coach (messages
encrypted at rest), and the office-hour slots coaches publish and teachers book."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow

if TYPE_CHECKING:
    from pdhub.accounts.models import User


class Conversation(Base):
    """A private thread between one teacher and one coach, perhaps about a
    submission's feedback."""

    __tablename__ = "coaching_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])
    coach: Mapped[User] = relationship(foreign_keys=[coach_id])


class ConversationMessage(Base):
    """One message. The body is Fernet ciphertext under PDHUB_DATA_KEY;
    ``key_version`` names the data key that wrote it (its fingerprint), so rows
    written under a retired key can be found and encrypted again."""

    __tablename__ = "coaching_messages"
    __table_args__ = (
        Index(
            "ix_coaching_messages_conversation_id_created_at",
            "conversation_id",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("coaching_conversations.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    body_encrypted: Mapped[str] = mapped_column(Text)
    key_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class OfficeHourSlot(Base):
    """A time a coach offers for one teacher: start (UTC), length, place or link."""

    __tablename__ = "office_hour_slots"
    __table_args__ = (
        Index("ix_office_hour_slots_coach_id_starts_at", "coach_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=30)
    place: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    coach: Mapped[User] = relationship()


class Booking(Base):
    """A teacher's booking of a slot. At most one live (not cancelled) booking per
    slot: a partial unique index, so two teachers racing for a slot can't both win."""

    __tablename__ = "office_hour_bookings"
    __table_args__ = (
        Index(
            "uq_office_hour_bookings_live_slot",
            "slot_id",
            unique=True,
            postgresql_where=text("cancelled_at IS NULL"),
            sqlite_where=text("cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("office_hour_slots.id", ondelete="CASCADE")
    )
    teacher_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    # Claimed (set) before the reminder is composed, so it is sent once.
    reminded_at: Mapped[datetime | None]

    slot: Mapped[OfficeHourSlot] = relationship()
    teacher: Mapped[User] = relationship()
