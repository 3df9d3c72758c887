"""What each audit action is called on the pages, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from pdhub.audit.models import AuditAction

ACTION_LABELS: dict[str, LazyString] = {
    AuditAction.EVIDENCE_VIEW: _l("Opened someone's evidence"),
    AuditAction.EVIDENCE_DOWNLOAD: _l("Opened an evidence file"),
    AuditAction.CONVERSATION_VIEW: _l("Opened a coaching conversation"),
    AuditAction.ATTACHMENT_DOWNLOAD: _l("Opened a community attachment"),
    AuditAction.CERTIFICATE_DOWNLOAD: _l("Opened a learning certificate"),
    AuditAction.REVIEW_DECISION: _l("Review decision"),
    AuditAction.ROLE_CHANGE: _l("Role changed"),
    AuditAction.ROSTER_IMPORT: _l("Roster import"),
    AuditAction.CREDENTIAL_ISSUE: _l("Credential issued"),
    AuditAction.CREDENTIAL_REVOKE: _l("Credential revoked"),
    AuditAction.CREDENTIAL_SUSPEND: _l("Credential suspended"),
    AuditAction.CREDENTIAL_REINSTATE: _l("Credential reinstated"),
    AuditAction.TRUST_ADD: _l("Trusted issuer added"),
    AuditAction.TRUST_CHANGE: _l("Trusted issuer changed"),
    AuditAction.TRUST_REMOVE: _l("Trusted issuer removed"),
    AuditAction.TRUST_IMPORT: _l("Trusted issuers imported"),
    AuditAction.DATA_EXPORT: _l("Data exported"),
    AuditAction.DATA_EXPORT_REQUEST: _l("Data export asked for"),
    AuditAction.DATA_EXPORT_DOWNLOAD: _l("Data export downloaded"),
    AuditAction.ACCOUNT_ERASE: _l("Account erased"),
    AuditAction.EVIDENCE_PURGE: _l("Evidence removed at the end of its retention"),
    AuditAction.RETENTION_CHANGE: _l("Retention periods changed"),
    AuditAction.RETENTION_RUN: _l("Retention run"),
    AuditAction.SIGNIN_SUCCESS: _l("Signed in"),
    AuditAction.SIGNIN_FAILURE: _l("Sign-in refused"),
    AuditAction.TWO_FACTOR_ON: _l("Two-factor sign-in turned on"),
    AuditAction.TWO_FACTOR_OFF: _l("Two-factor sign-in turned off"),
    AuditAction.RECOVERY_CODES: _l("New recovery codes"),
    AuditAction.API_TOKEN_USE: _l("API token used"),
    AuditAction.ACCESS_DENIED: _l("Access refused"),
    AuditAction.COHORT_CHANGE: _l("Cohort changed"),
    AuditAction.COHORT_MEMBER_REMOVE: _l("Removed from a cohort"),
    AuditAction.OFFICE_HOURS_WITHDRAW: _l("Booked office hours withdrawn"),
    AuditAction.GOAL_ADD: _l("District goal set"),
    AuditAction.GOAL_CHANGE: _l("District goal changed"),
    AuditAction.GOAL_REMOVE: _l("District goal deleted"),
    AuditAction.SSO_CHANGE: _l("Single sign-on changed"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
