"""AuditEvent: one row per recorded action, never changed or deleted (the database's
own triggers refuse UPDATE and DELETE on the table, see migration 0029_audit)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pdhub.db import Base, utcnow, value_enum


class AuditAction(enum.StrEnum):
    """What happened; the stored value is this string."""

    EVIDENCE_VIEW = "evidence.view"
    CONVERSATION_VIEW = "conversation.view"
    EVIDENCE_DOWNLOAD = "evidence.download"
    ATTACHMENT_DOWNLOAD = "attachment.download"
    CERTIFICATE_DOWNLOAD = "certificate.download"
    REVIEW_DECISION = "review.decision"
    ROLE_CHANGE = "user.role_change"
    ROSTER_IMPORT = "roster.import"
    CREDENTIAL_ISSUE = "credential.issue"
    CREDENTIAL_REVOKE = "credential.revoke"
    CREDENTIAL_SUSPEND = "credential.suspend"
    CREDENTIAL_REINSTATE = "credential.reinstate"
    TRUST_ADD = "trust.add"
    TRUST_CHANGE = "trust.change"
    TRUST_REMOVE = "trust.remove"
    TRUST_IMPORT = "trust.import"
    DATA_EXPORT = "data.export"
    DATA_EXPORT_REQUEST = "data.export_request"
    DATA_EXPORT_DOWNLOAD = "data.export_download"
    ACCOUNT_ERASE = "account.erase"
    EVIDENCE_PURGE = "evidence.purge"
    RETENTION_CHANGE = "retention.change"
    RETENTION_RUN = "retention.run"
    SIGNIN_SUCCESS = "signin.success"
    SIGNIN_FAILURE = "signin.failure"
    TWO_FACTOR_ON = "two_factor.on"
    TWO_FACTOR_OFF = "two_factor.off"
    RECOVERY_CODES = "two_factor.recovery_codes"
    API_TOKEN_USE = "api_token.use"  # noqa: S105 - an action name, not a secret
    ACCESS_DENIED = "access.denied"
    COHORT_CHANGE = "cohort.change"
    COHORT_MEMBER_REMOVE = "cohort.member_remove"
    OFFICE_HOURS_WITHDRAW = "office_hours.withdraw"
    GOAL_ADD = "goal.add"
    GOAL_CHANGE = "goal.change"
    GOAL_REMOVE = "goal.remove"
    SSO_CHANGE = "sso.change"


class AuditOutcome(enum.StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"


class AuditEvent(Base):
    """Who (actor id and role at the time), what (action, object), whose (the person
    the data belongs to), where (district, IP address, user agent), when (UTC) and
    whether it was allowed. Ids are plain numbers, not foreign keys: a later deletion
    of a user or district must not rewrite the trail. ``detail`` is a small JSON
    object that never holds secrets (no passwords, tokens, codes or evidence text)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_district_id_id", "district_id", "id"),
        Index("ix_audit_events_subject_id_id", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    subject_id: Mapped[int | None]
    district_id: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[AuditOutcome] = mapped_column(
        value_enum(AuditOutcome, "audit_outcome"), default=AuditOutcome.ALLOWED
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
