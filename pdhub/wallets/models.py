"""Wallet exchanges (single use, short-lived) and the wallet-bound credentials they
issued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.credentials.models import IssuedCredential
from pdhub.db import Base, utcnow


class WalletExchange(Base):
    """One "Add to a wallet" request: the teacher's credential it copies, the
    challenge the wallet must sign, when it expires and when it was used (once)."""

    __tablename__ = "wallet_exchanges"

    # A random URL-safe token: the exchange URL is the wallet's only key to it.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    challenge: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    credential: Mapped[IssuedCredential] = relationship()


class WalletCredential(Base):
    """A copy of a teacher's credential whose subject is their wallet's DID (the
    email hash stays in it). It shares the original's status entry, so revoking or
    suspending the original does the same to every wallet copy."""

    __tablename__ = "wallet_credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    award_id: Mapped[int] = mapped_column(
        ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    source_credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), index=True
    )
    exchange_id: Mapped[str] = mapped_column(
        ForeignKey("wallet_exchanges.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    holder_did: Mapped[str] = mapped_column(String(200))
    issuer_key_id: Mapped[int] = mapped_column(
        ForeignKey("issuer_keys.id", ondelete="RESTRICT")
    )
    credential_json: Mapped[str] = mapped_column(Text)
    revocation_list_id: Mapped[int] = mapped_column(
        ForeignKey("status_lists.id", ondelete="RESTRICT")
    )
    revocation_index: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    source: Mapped[IssuedCredential] = relationship()
