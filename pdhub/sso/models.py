"""A district's single sign-on connection (OpenID Connect) and the email domains
whose people it signs in."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, TimestampMixin, value_enum
from pdhub.privacy.encryption import SealedText, key_version


class SsoProvider(enum.StrEnum):
    """The identity provider a district uses; presets fill in its issuer URL."""

    GOOGLE = "google"
    ENTRA = "entra"
    CLEVER = "clever"
    CLASSLINK = "classlink"
    OTHER = "other"


class SsoConnection(TimestampMixin, Base):
    """One district's OpenID Connect client at its identity provider. The client
    secret is stored encrypted under PDHUB_DATA_KEY (``client_secret`` reads and
    writes it), with the key's fingerprint beside it for rotation."""

    __tablename__ = "sso_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[SsoProvider] = mapped_column(
        value_enum(SsoProvider, "sso_provider")
    )
    # The Microsoft Entra tenant (directory) id; empty for other providers.
    tenant: Mapped[str | None] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    secret_key_version: Mapped[str] = mapped_column(String(16), default=key_version)
    client_secret = SealedText(
        "client_secret_encrypted", version_column="secret_key_version"
    )
    # Password sign-in is refused for the district's people (district
    # administrators keep it, so a broken provider can't lock the district out).
    require_sso: Mapped[bool] = mapped_column(default=False, server_default=false())

    domains: Mapped[list[SsoDomain]] = relationship(
        back_populates="connection",
        cascade="all, delete-orphan",
        order_by="SsoDomain.domain",
    )

    @property
    def domain_names(self) -> list[str]:
        return [item.domain for item in self.domains]


class SsoDomain(Base):
    """An email domain of a district's people: one district per domain, so an
    address can only ever sign in through its own district's provider."""

    __tablename__ = "sso_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("sso_connections.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    connection: Mapped[SsoConnection] = relationship(back_populates="domains")
