"""LTI 1.3: the tool's key, each district's platform registrations, login states
(single-use nonces), course contexts seen in launches and the grade links to post
completions to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pdhub.db import Base, utcnow


class LtiToolKey(Base):
    """The tool's RSA key pair: the private key PEM encrypted with PDHUB_DATA_KEY."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[str] = mapped_column(Text)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiRegistration(Base):
    """A platform (LMS) a district administrator registered PD Hub with."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(2048))
    auth_token_url: Mapped[str] = mapped_column(String(2048))
    jwks_url: Mapped[str] = mapped_column(String(2048))
    #: Deployment ids, one a line.
    deployment_ids: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def deployments(self) -> list[str]:
        return [
            line.strip() for line in self.deployment_ids.splitlines() if line.strip()
        ]


class LtiLoginState(Base):
    """One OIDC login initiation: its state and nonce, each usable once."""

    __tablename__ = "lti_login_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LtiDeepLink(Base):
    """A deep-linking request waiting for the instructor to pick modules."""

    __tablename__ = "lti_deep_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    return_url: Mapped[str] = mapped_column(String(2048))
    data: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LtiContext(Base):
    """A course launched from, with its names-and-roles (NRPS) service address."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    memberships_url: Mapped[str | None] = mapped_column(String(2048))
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_imported_at: Mapped[datetime | None]


class LtiGradeLink(Base):
    """Where to post a teacher's completion of a module: the launch's AGS line item."""

    __tablename__ = "lti_grade_links"
    __table_args__ = (UniqueConstraint("registration_id", "user_id", "lineitem_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    module_slug: Mapped[str] = mapped_column(String(120))
    lineitem_url: Mapped[str] = mapped_column(String(2048))
    lti_user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    score_sent_at: Mapped[datetime | None]
