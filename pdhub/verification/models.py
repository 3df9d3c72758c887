"""Batch verification runs, their items, and the key that signs their reports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow, value_enum

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.districts.models import District


class Verdict(enum.StrEnum):
    """What a verifier is told about one credential."""

    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    # Authentic and in date, but no status list could be read (offline, or the
    # issuer's list is unreachable): neither "verified" nor a sign of forgery.
    STATUS_NOT_CHECKED = "status_not_checked"
    #: A valid signature in good standing, by an issuer on no list the verifier uses.
    UNLISTED_ISSUER = "unlisted_issuer"
    #: A batch file that is not a credential at all (a PDF, an unreadable image).
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        """The verdict in the reader's language (English in a worker)."""
        from pdhub.verification.messages import _

        return {
            "verified": _("Verified"),
            "not_verified": _("Not verified"),
            "revoked": _("Revoked"),
            "suspended": _("Suspended"),
            "expired": _("Expired"),
            "status_not_checked": _("Status not checked"),
            "unlisted_issuer": _("Valid signature from an issuer you have not listed"),
            "skipped": _("Skipped: not a credential"),
        }[self.value]

    def count_label(self, count: int) -> str:
        """What follows the number of credentials with this verdict ("12 revoked")."""
        from pdhub.verification.messages import ngettext

        return {
            "verified": ngettext("verified", "verified", count),
            "not_verified": ngettext("not verified", "not verified", count),
            "revoked": ngettext("revoked", "revoked", count),
            "suspended": ngettext("suspended", "suspended", count),
            "expired": ngettext("expired", "expired", count),
            "status_not_checked": ngettext(
                "status not checked", "status not checked", count
            ),
            "unlisted_issuer": ngettext(
                "with a valid signature from an issuer you have not listed",
                "with a valid signature from an issuer you have not listed",
                count,
            ),
            "skipped": ngettext(
                "skipped: not a credential", "skipped: not a credential", count
            ),
        }[self.value]

    @property
    def tone(self) -> str:
        """How a page colours it: only a verified credential is shown as good."""
        return {"verified": "ok", "not_verified": "bad", "revoked": "bad"}.get(
            self.value, "warn"
        )


class RecipientMatch(enum.StrEnum):
    """Whether the email a verifier expects is the one the credential was issued to."""

    MATCHES = "matches"
    DOES_NOT_MATCH = "does_not_match"
    NOT_CHECKED = "not_checked"

    @property
    def label(self) -> str:
        from pdhub.verification.messages import _

        return {
            "matches": _("Recipient matches"),
            "does_not_match": _("Does not match"),
            "not_checked": _("Not checked"),
        }[self.value]


class BatchStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"


class VerificationBatch(Base):
    """A district's request to verify many credentials at once (CSV, ZIP or API)."""

    __tablename__ = "verification_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[BatchStatus] = mapped_column(
        value_enum(BatchStatus, "batch_status"), default=BatchStatus.RUNNING
    )
    total: Mapped[int]
    chunks: Mapped[int]
    verified_count: Mapped[int] = mapped_column(default=0)
    # The API token that started it (batches are rate limited per token).
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # The signed record: the exact report bytes and their detached JWS.
    report: Mapped[str | None] = mapped_column(Text)
    report_signature: Mapped[str | None] = mapped_column(Text)

    district: Mapped[District] = relationship()
    requested_by: Mapped[User | None] = relationship()


class VerificationItem(Base):
    """One credential of a batch: where it came from and, once checked, the verdict."""

    __tablename__ = "verification_items"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("verification_batches.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    source: Mapped[str] = mapped_column(String(2048))
    # The credential file (ZIP or API items); URL items are fetched when checked.
    # Cleared once checked: the verdict is what the district keeps.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    checked_at: Mapped[datetime | None]
    verdict: Mapped[Verdict | None] = mapped_column(value_enum(Verdict, "verdict"))
    teacher: Mapped[str | None] = mapped_column(String(300))
    achievement: Mapped[str | None] = mapped_column(String(300))
    # The name the credential claims for its issuer (never confirmed by itself).
    issuer: Mapped[str | None] = mapped_column(String(300))
    issuer_id: Mapped[str | None] = mapped_column(String(500))
    # The trust list's name for the issuer; None when it is on no list used.
    issuer_trusted_name: Mapped[str | None] = mapped_column(String(200))
    issued: Mapped[str | None] = mapped_column(String(40))
    reasons: Mapped[str | None] = mapped_column(Text)
    checks: Mapped[str | None] = mapped_column(Text)
    # The email address the district expects the credential to be issued to (an
    # optional CSV column): held only until the item is checked, then cleared like
    # the payload; the match is what the district keeps.
    expected_email: Mapped[str | None] = mapped_column(String(254))
    recipient_match: Mapped[RecipientMatch | None] = mapped_column(
        value_enum(RecipientMatch, "recipient_match")
    )

    batch: Mapped[VerificationBatch] = relationship()


class ReportSigningKey(Base):
    """The platform's Ed25519 key for verification reports (secret encrypted)."""

    __tablename__ = "report_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key_multibase: Mapped[str] = mapped_column(String(64), unique=True)
    secret_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
