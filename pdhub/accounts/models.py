"""Users, their roles, server-side sign-in sessions, recovery codes and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, TimestampMixin, utcnow, value_enum

if TYPE_CHECKING:
    from pdhub.districts.models import District, School


class Role(enum.StrEnum):
    TEACHER = "teacher"
    COACH = "coach"
    DISTRICT_ADMIN = "district_admin"
    ADMIN = "admin"
    # Sees the progress of their own school's staff, nothing else of the district.
    SCHOOL_LEADER = "school_leader"

    @property
    def label(self) -> str:
        return str(
            {
                "teacher": _("Teacher"),
                "coach": _("Coach"),
                "district_admin": _("District administrator"),
                "admin": _("Platform administrator"),
                "school_leader": _("School leader"),
            }[self.value]
        )

    @property
    def is_staff(self) -> bool:
        return self is not Role.TEACHER


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"
    # A district's active people of a role (and school): where every district page
    # starts.
    __table_args__ = (
        Index(
            "ix_users_district_role_active_school",
            "district_id",
            "role",
            "active",
            "school_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(value_enum(Role, "role"), default=Role.TEACHER)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="SET NULL"), index=True
    )
    # TOTP secret, encrypted with PDHUB_DATA_KEY; totp_enabled_at is set once the user
    # proved they can produce codes. totp_last_counter refuses a replayed code.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None]
    totp_last_counter: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by every password change: a half-finished sign-in made with the old
    # password stops working.
    password_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Set when the person opened a link emailed to ``email`` (or accepted an emailed
    # invitation). Unverified accounts can't enroll or receive badges.
    email_verified_at: Mapped[datetime | None]
    # Coaches get a daily email of new evidence in their queue unless they turn it off.
    review_digest_email: Mapped[bool] = mapped_column(
        default=True, server_default=sa_true()
    )
    # An IANA zone name (accounts.timezones); empty means the district's default.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # A language code of pdhub.i18n.LANGUAGES ("en", "es"); empty means the browser's
    # language, else the district's default.
    language: Mapped[str | None] = mapped_column(String(8))
    # Set when the account was erased: its personal data is gone, the row stays so
    # what others wrote (reviews, posts) keeps its shape.
    erased_at: Mapped[datetime | None]

    district: Mapped[District | None] = relationship(foreign_keys=[district_id])
    school: Mapped[School | None] = relationship(foreign_keys=[school_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


class UserSession(Base):
    """One signed-in browser. The cookie carries a random token; we keep its hash, so
    revoking the row ends that session even if the old cookie is replayed."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # "Keep me signed in" (teachers only): the long lifetime instead of the idle
    # timeout and the short absolute one.
    persistent: Mapped[bool] = mapped_column(default=False, server_default=false())
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A one-time two-factor recovery code, stored as an argon2id hash (salted, slow).

    Codes made before argon2id was used are SHA-256 hex digests (64 characters);
    they keep working until used or replaced."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    """A bearer token for the JSON API, shown once and stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # What the token may do (pdhub.accounts.scopes), space-separated. Tokens made
    # before scopes existed keep what they could do then: batch verification.
    scopes: Mapped[str] = mapped_column(
        String(200), default="verify:batch", server_default="verify:batch"
    )
    # None never expires.
    expires_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def __repr__(self) -> str:
        return f"<ApiToken {self.id}>"


class TokenPurpose(enum.StrEnum):
    SIGNIN = "signin"  # password checked, waiting for the second factor
    VERIFY_EMAIL = "verify_email"  # confirm ``email`` belongs to the user
    UNDO = "undo"  # undo a sensitive change (``data`` says which and how)


class AccountToken(Base):
    """A short-lived, single-use secret for one account: the browser or the emailed
    link carries the token, we keep its hash. Nothing about a half-finished sign-in or
    a pending change lives in the cookie."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(
        value_enum(TokenPurpose, "token_purpose")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address to confirm (VERIFY_EMAIL), or None.
    email: Mapped[str | None] = mapped_column(String(254))
    # The password version the token was made under; a password change ends it.
    password_version: Mapped[int]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
