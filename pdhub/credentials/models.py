"""Awards (an enrollment whose knowledge check and evidence both passed) and what
the credentials feature makes of them: issuer keys, status lists and the signed
Open Badges 3.0 credentials."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import User
from pdhub.db import Base, utcnow, value_enum
from pdhub.learning.models import Enrollment, Module
from pdhub.privacy.encryption import SealedText, key_version, sealed_empty


class Award(Base):
    __tablename__ = "awards"
    # A teacher's awards by date (badges by month on the district dashboard).
    __table_args__ = (Index("ix_awards_user_id_awarded_at", "user_id", "awarded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One award per enrollment: recording it twice (a task rerun) finds the first.
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="RESTRICT")
    )
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The teacher chose to have their name in this badge's credential (an unhashed
    # IdentityObject of type name beside the email hash); off unless they do.
    name_in_credential: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )

    enrollment: Mapped[Enrollment] = relationship()
    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()


class IssuerKey(Base):
    """An Ed25519 issuer key: the public half in clear, the private seed only as
    ciphertext made with PDHUB_DATA_KEY (see credentials.keys). A rotated key is
    retired, never deleted, so every credential it signed stays verifiable."""

    __tablename__ = "issuer_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key_multibase: Mapped[str] = mapped_column(String(64), unique=True)
    # The did:key of this key; the issuer DID in the embedded default.
    did_key: Mapped[str] = mapped_column(String(80), unique=True)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    # A leaked key is withdrawn (``pdhub keys revoke``): from ``compromised_at`` on,
    # whoever holds it may have signed, so only credentials this deployment stored
    # as issued before then still verify with it. ``withdrawn_at`` is when it was
    # taken out of the DID document's assertionMethod (it stays listed as a key).
    compromised_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]


class StatusPurpose(enum.StrEnum):
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


class StatusList(Base):
    """One W3C Bitstring Status List, published at /status-lists/<id>.

    ``bits`` is the raw bitstring; ``signed_json`` is the signed list credential,
    re-signed whenever a bit changes so serving it is a plain read. ``url`` is the
    address its credentials name, fixed when the list is made: re-signing never
    reads it from the environment of whoever runs the change.
    """

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[StatusPurpose] = mapped_column(
        value_enum(StatusPurpose, "status_purpose")
    )
    # The issuer DID whose credentials point here (each did:key issuer has its own
    # lists: a list must be issued by the issuer of the credentials it covers).
    issuer_id: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str | None] = mapped_column(String(500))
    size: Mapped[int]
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    signed_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuedCredential(Base):
    """A signed OpenBadgeCredential, stored exactly as issued and never edited.

    A correction is a new credential (the old one is revoked and points at it
    through ``replaced_by_id``). ``current_award_id`` equals ``award_id`` until the
    credential is replaced, so the unique constraint on it allows one current
    credential per award (issuing twice finds the first).
    """

    __tablename__ = "issued_credentials"
    __table_args__ = (UniqueConstraint("revocation_list_id", "revocation_index"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    award_id: Mapped[int] = mapped_column(
        ForeignKey("awards.id", ondelete="RESTRICT"), index=True
    )
    current_award_id: Mapped[int | None] = mapped_column(
        ForeignKey("awards.id", ondelete="RESTRICT"), unique=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    issuer_key_id: Mapped[int] = mapped_column(
        ForeignKey("issuer_keys.id", ondelete="RESTRICT")
    )
    achievement_id: Mapped[str] = mapped_column(String(300))
    recipient_salt: Mapped[str] = mapped_column(String(64))
    credential_json: Mapped[str] = mapped_column(Text)
    # The VC-JWT form, made on first download (Ed25519 signing is deterministic, so
    # it is the same text issuing would have made); get it through
    # ``credentials.service.download`` (reading the model never signs).
    jwt_cache: Mapped[str | None] = mapped_column("jwt", Text)
    # The credential baked into the module's PNG and SVG badge: made on the first
    # download, not at issue (baking is derived from the JSON above), then kept.
    # Get them through ``credentials.service.download`` (reading never bakes).
    png_cache: Mapped[bytes | None] = mapped_column("baked_png", LargeBinary)
    svg_cache: Mapped[bytes | None] = mapped_column("baked_svg", LargeBinary)
    # The credential's one status entry (OB 3.0 allows one): a revocation list
    # for credentials issued before suspension was published, a suspension list
    # since (see docs/status-lists.md); ``revocation_list.purpose`` says which.
    revocation_list_id: Mapped[int] = mapped_column(
        ForeignKey("status_lists.id", ondelete="RESTRICT")
    )
    revocation_index: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The credential's validUntil, when its module gives badges a validity period.
    valid_until: Mapped[datetime | None] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]
    # The reasons are public (the teacher, the credential page and verifiers see
    # them); the notes are for administrators only.
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    revocation_note: Mapped[str | None] = mapped_column(String(500))
    suspended_at: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    suspension_note: Mapped[str | None] = mapped_column(String(500))
    replaced_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL")
    )
    shared: Mapped[bool] = mapped_column(default=False)
    shared_at: Mapped[datetime | None]

    award: Mapped[Award] = relationship(foreign_keys=[award_id])
    user: Mapped[User] = relationship()
    issuer_key: Mapped[IssuerKey] = relationship()
    revocation_list: Mapped[StatusList] = relationship()

    @property
    def document(self) -> dict[str, Any]:
        """The signed credential as a JSON object (parsed from the stored text)."""
        parsed: dict[str, Any] = json.loads(self.credential_json)
        return parsed

    @property
    def expired(self) -> bool:
        return self.valid_until is not None and self.valid_until <= utcnow()

    @property
    def status_label(self) -> str:
        from pdhub.verification.messages import _

        if self.revoked_at is not None:
            return _("Revoked")
        if self.suspended_at is not None:
            return _("Suspended")
        if self.expired:
            return _("Expired")
        return _("Active")


class Renewal(Base):
    """A teacher renewing a credential that expires soon (or lapsed): the window
    opens at ``started_at``; a knowledge check passed after it issues the renewed
    credential, which points back at the old one (``replaced_by_id`` and an
    evidence entry), once (``finished_at``)."""

    __tablename__ = "credential_renewals"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), unique=True
    )
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    renewed_credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL")
    )
    # A module renewed by reflection (``Module.renewal``): the teacher's reflection on
    # continued practice (encrypted at rest), sent at ``submitted_at`` to the coaches
    # who serve them; a coach renews the badge (``reviewed_by_id``, ``finished_at``)
    # or returns it with ``feedback`` (``submitted_at`` cleared until it is sent
    # again).
    reflection_encrypted: Mapped[str] = mapped_column(Text, default=sealed_empty)
    key_version: Mapped[str] = mapped_column(String(16), default=key_version)
    reflection_text = SealedText("reflection_encrypted", version_column="key_version")
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    feedback: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]

    credential: Mapped[IssuedCredential] = relationship(foreign_keys=[credential_id])


class ExpiryReminder(Base):
    """A reminder that a credential expires soon, claimed once per stage (60 and 14
    days before) before the teacher is told."""

    __tablename__ = "expiry_reminders"
    __table_args__ = (UniqueConstraint("credential_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE")
    )
    stage: Mapped[int]  # days before validUntil: 60 or 14
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
