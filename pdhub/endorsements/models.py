"""A district's endorsement of a module's achievement: the signed OB 3.0
EndorsementCredential, stored as issued, and its place in a status list."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import User
from pdhub.db import Base, utcnow
from pdhub.districts.models import District
from pdhub.learning.models import Module


class Endorsement(Base):
    """One endorsement, served at /endorsements/<id>; withdrawing it sets its
    revocation bit (it is never edited or deleted, so a verifier holding a copy
    learns it was withdrawn)."""

    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("revocation_list_id", "revocation_index"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="RESTRICT"), index=True
    )
    endorsed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # The endorsed Achievement's id (credentialSubject.id).
    achievement_id: Mapped[str] = mapped_column(String(300))
    comment: Mapped[str] = mapped_column(Text)
    credential_json: Mapped[str] = mapped_column(Text)
    issuer_key_id: Mapped[int] = mapped_column(
        ForeignKey("issuer_keys.id", ondelete="RESTRICT")
    )
    revocation_list_id: Mapped[int] = mapped_column(
        ForeignKey("status_lists.id", ondelete="RESTRICT")
    )
    revocation_index: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    district: Mapped[District] = relationship()
    module: Mapped[Module] = relationship()
    endorsed_by: Mapped[User | None] = relationship(foreign_keys=[endorsed_by_id])

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.credential_json)
        return parsed
