"""Trusted issuers: the platform-wide list (no district) and each district's own."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.districts.models import District


class TrustedIssuer(Base):
    """An issuer a list's keeper trusts, under the display name the keeper chose.

    ``identifier`` is a DID (did:key or did:web) matched exactly, or an https origin
    (``https://host``) that matches every did:web DID and URL issuer on that host.
    ``district_id`` is None on the platform-wide list.
    """

    __tablename__ = "trusted_issuers"
    __table_args__ = (UniqueConstraint("district_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2048))
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    district: Mapped[District | None] = relationship()
    added_by: Mapped[User | None] = relationship()
