"""Districts, their schools, and staff invitations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import Role
from pdhub.db import Base, TimestampMixin, value_enum

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
