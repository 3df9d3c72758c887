"""A signed CLR transcript, kept as issued so its link stays the same."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import User
from pdhub.db import Base, utcnow


class ClrTranscript(Base):
    """One signed ClrCredential of a teacher's current credentials.

    ``credential_ids`` (the embedded credentials' ids, sorted, comma-separated) lets
    the next download reuse this one while nothing changed, so a shared link keeps
    pointing at the teacher's whole record. Private until the teacher shares it.
    """

    __tablename__ = "clr_transcripts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    issuer_key_id: Mapped[int] = mapped_column(
        ForeignKey("issuer_keys.id", ondelete="RESTRICT")
    )
    credential_ids: Mapped[str] = mapped_column(Text)
    credential_json: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    shared: Mapped[bool] = mapped_column(default=False)
    shared_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def document(self) -> dict[str, Any]:
        """The signed ClrCredential as a JSON object."""
        parsed: dict[str, Any] = json.loads(self.credential_json)
        return parsed
