"""A credential another issuer gave a teacher, stored as received after it verified."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pdhub.db import Base, utcnow


class OutsideBadge(Base):
    """One credential from another issuer in a teacher's records.

    ``credential_key`` is the credential's own ``id`` (or a digest of it when it has
    none): adding the same credential again replaces it (OB 3.0 upsertCredential).
    The issuer and achievement identifiers are the credential's, kept as columns so
    a pathway can count "this achievement from this issuer" without reading JSON.
    """

    __tablename__ = "outside_badges"
    __table_args__ = (UniqueConstraint("user_id", "credential_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    credential_key: Mapped[str] = mapped_column(String(500))
    credential_json: Mapped[str] = mapped_column(Text)
    issuer_id: Mapped[str] = mapped_column(String(500), index=True)
    issuer_name: Mapped[str] = mapped_column(String(300), default="")
    achievement_id: Mapped[str] = mapped_column(String(500), default="")
    achievement_name: Mapped[str] = mapped_column(String(300), default="")
    # "upload" (the teacher's page) or "api" (a connected system, OB 3.0 API).
    added_via: Mapped[str] = mapped_column(String(20), default="upload")
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.credential_json)
        return parsed
