"""Credential rules: recording Awards, issuing each as a signed Open Badges 3.0
credential exactly once, reissue, revocation, suspension and sharing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from badges.credential import hash_identity
from badges.credential import normalize_email as normalize_recipient
from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.accounts.service import email_key
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.credentials import images, issuing, keys, policies, status
from pdhub.credentials.models import (
    Award,
    IssuedCredential,
    IssuerKey,
    StatusList,
    StatusPurpose,
)
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.i18n import DEFAULT_LANGUAGE
from pdhub.learning.localized import lazy_badge_name
from pdhub.learning.models import Enrollment, Module
from pdhub.notifications import service as notifications
from pdhub.pathways import service as pathways

MAX_REASON = 500


def record_award(session: DbSession, enrollment: Enrollment) -> Award:
    """Record the Award for a completed enrollment, once; a new one is queued for
    issuing (``tasks.ISSUE_CREDENTIAL``) after the commit."""
    award = session.scalar(select(Award).where(Award.enrollment_id == enrollment.id))
    if award is not None:
        return award
    award = Award(
        enrollment_id=enrollment.id,
        user_id=enrollment.user_id,
        module_id=enrollment.module_id,
    )
    session.add(award)
    session.flush()
    # Issued by a task after commit: signing and baking stay out of the request, and
    # a rolled-back award never gets a credential.
    jobs.enqueue(tasks.ISSUE_CREDENTIAL, award.id)
    return award


# --- issuing ------------------------------------------------------------------


def current_credential(session: DbSession, award: Award) -> IssuedCredential | None:
    """The award's credential that has not been replaced, if it was issued."""
    return session.scalar(
        select(IssuedCredential).where(IssuedCredential.current_award_id == award.id)
    )


def issue_credential(
    session: DbSession, award_id: int, at: datetime | None = None
) -> IssuedCredential | None:
    """Issue the award's credential unless it already has one; return it.

    Safe under retries and redelivery: the award row is locked (PostgreSQL) and
    re-checked, and the unique ``current_award_id`` refuses a second current
    credential if two workers still race. Returns None for an unknown award.
    """
    award = session.get(Award, award_id, with_for_update=True)
    if award is None:
        return None
    if not award.user.email_verified:
        return None  # held: issued when the teacher confirms their address
    existing = current_credential(session, award)
    if existing is not None:
        return existing
    credential = issuing.issue_one(session, award, at=at)
    _announce(session, credential)
    pathways.check_user(session, award.user)
    return credential


def _issue(session: DbSession, award: Award) -> IssuedCredential:
    return issuing.issue_one(session, award)


def issue_credentials(session: DbSession, award_ids: Sequence[int]) -> int:
    """Issue the credentials of many awards at once (the bulk path); return how
    many were new.

    Each award gets exactly one credential however often or concurrently this runs
    (see issuing.issue_many); each teacher is told once, and the emails go out in
    one delivery job per call.
    """
    made = issuing.issue_many(session, award_ids)
    if not made:
        return 0
    for award, credential_id in made:
        _record_issue(session, award.user, credential_id)
    notifications.tell(
        session,
        *(
            _earned(award.user, award.module, credential_id)
            for award, credential_id in made
        ),
    )
    for user in {award.user_id: award.user for award, _id in made}.values():
        pathways.check_user(session, user)
    return len(made)


def _earned(user: User, module: Module, credential_id: str) -> notifications.Message:
    """The teacher is told, in the app and by email, that a badge was issued."""
    # Lazy: ``tell`` reads them in the teacher's language, the badge's name too.
    name = lazy_badge_name(module)
    return notifications.Message(
        key=f"credential-issued-{credential_id}",
        to=user,
        text=_l(
            "You earned the %(badge)s badge. Download it or share it from My badges.",
            badge=name,
        ),
        link="/badges",
        subject=_l("You earned the %(badge)s badge", badge=name),
        template="credential_issued",
        context={
            "user": user,
            "badge_name": name,
            "link": notifications.absolute_link("/badges"),
        },
    )


def _announce(session: DbSession, credential: IssuedCredential) -> None:
    _record_issue(session, credential.user, credential.id)
    notifications.tell(
        session, _earned(credential.user, credential.award.module, credential.id)
    )


def _record_issue(session: DbSession, owner: User, credential_id: str) -> None:
    audit.record(
        session,
        AuditAction.CREDENTIAL_ISSUE,
        subject=owner,
        object_type="credential",
        object_id=credential_id,
    )


def _record_change(
    session: DbSession,
    action: AuditAction,
    actor: User | None,
    credential: IssuedCredential,
    reason: str | None = None,
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        subject=credential.user,
        object_type="credential",
        object_id=credential.id,
        detail={"reason": reason} if reason else None,
    )


def reissue_credential(
    session: DbSession, actor: User | None, credential: IssuedCredential, reason: str
) -> IssuedCredential:
    """Issue a corrected credential for the same award and revoke this one.

    The old credential is kept unchanged, revoked with ``reason``, and points at
    its replacement. Raises PermissionDenied, InvalidInput for a missing reason,
    Conflict when it was already replaced.
    """
    _require_manager(actor)
    return _reissue(session, credential, _reason(reason))


def _reissue(
    session: DbSession,
    credential: IssuedCredential,
    reason: str,
    *,
    announce: bool = True,
) -> IssuedCredential:
    """The reissue path: a new credential signed with the current key, this one
    revoked and pointing at it (the caller checked who may and why)."""
    if credential.replaced_by_id is not None or credential.current_award_id is None:
        raise Conflict("This credential was already replaced.")
    credential.current_award_id = None
    session.flush()
    replacement = _issue(session, credential.award)
    replacement.shared = credential.shared
    replacement.shared_at = credential.shared_at
    credential.replaced_by_id = replacement.id
    if credential.revoked_at is None:
        _revoke(session, credential, f"Replaced by a corrected credential: {reason}")
    session.flush()
    if announce:
        _announce(session, replacement)
    return replacement


def renew_credential(
    session: DbSession, credential: IssuedCredential
) -> IssuedCredential:
    """Issue the renewed credential of ``credential`` (same award, a new validity
    period), which names the old one in its evidence; the old one is kept as it
    was (it lapses at its own validUntil) and points at the new one. Raises
    Conflict when it was already replaced."""
    if credential.replaced_by_id is not None or credential.current_award_id is None:
        raise Conflict(_("This badge was already renewed or replaced."))
    credential.current_award_id = None
    session.flush()
    renewed = issuing.issue_one(session, credential.award, renews=credential)
    renewed.shared = credential.shared
    renewed.shared_at = credential.shared_at
    credential.replaced_by_id = renewed.id
    session.flush()
    _announce(session, renewed)
    return renewed


@dataclass(frozen=True)
class BulkReissue:
    reissued: int
    skipped_suspended: int


def reissue_signed_by(session: DbSession, key: IssuerKey) -> BulkReissue:
    """Reissue, with the current key and through the bulk issuing path, every
    current credential ``key`` signed (after a key leaked, or to retire one).

    Each old credential is revoked as replaced and points at its replacement (each
    status list re-signed once), keeps its sharing choice, and its teacher is told
    once. Suspended credentials are left for an administrator to decide.
    """
    old = list(
        session.scalars(
            select(IssuedCredential)
            .where(
                IssuedCredential.issuer_key_id == key.id,
                IssuedCredential.current_award_id.is_not(None),
                IssuedCredential.revoked_at.is_(None),
            )
            .order_by(IssuedCredential.issued_at)
            .with_for_update()
        )
    )
    suspended = [c for c in old if c.suspended_at is not None]
    todo = {c.award_id: c for c in old if c.suspended_at is None}
    if not todo:
        return BulkReissue(0, len(suspended))
    for credential in todo.values():
        credential.current_award_id = None
    session.flush()
    made = issuing.issue_many(session, list(todo))
    now = utcnow()
    reason = "Replaced by a credential signed with PD Hub's current key."
    touched: dict[int, StatusList] = {}
    new_ids = {award.id: new_id for award, new_id in made}
    replacements = {
        c.id: c
        for c in session.scalars(
            select(IssuedCredential).where(IssuedCredential.id.in_(new_ids.values()))
        )
    }
    notices = []
    for award_id, credential in todo.items():
        new_id = new_ids[award_id]
        replacement = replacements[new_id]
        replacement.shared = credential.shared
        replacement.shared_at = credential.shared_at
        credential.replaced_by_id = new_id
        credential.revoked_at = now
        credential.revocation_reason = reason
        status_list = credential.revocation_list
        status.set_bit(
            session, status_list, credential.revocation_index, True, sign=False
        )
        touched[status_list.id] = status_list
        name = lazy_badge_name(credential.award.module)
        notices.append(
            notifications.Message(
                key=f"credential-reissued-{credential.id}",
                to=credential.user,
                text=_l(
                    "Your %(badge)s badge was reissued with PD Hub's new signing "
                    "key. Download the new files from My badges; the old ones no "
                    "longer verify.",
                    badge=name,
                ),
                link="/badges",
            )
        )
    for status_list in touched.values():
        status.sign_list(
            session, status_list, status.signer_for_list(session, status_list)
        )
    notifications.tell(session, *notices)
    session.flush()
    return BulkReissue(len(todo), len(suspended))


def set_name_in_credential(
    session: DbSession, actor: User, credential: IssuedCredential, named: bool
) -> IssuedCredential:
    """The teacher's choice to have their name in this badge (or not any more).

    Kept on the award, so every later credential of it follows the choice, and
    applied at once: the badge is reissued with the current key (the old one is
    revoked as replaced). Returns the badge's current credential, unchanged when
    it already follows the choice. Raises PermissionDenied (not the owner) or
    Conflict (replaced, revoked or suspended: an administrator's decision stands).
    """
    if not policies.can_share(actor, credential):
        raise PermissionDenied("Only the teacher who earned a badge can change it.")
    if credential.replaced_by_id is not None or credential.current_award_id is None:
        raise Conflict("This badge was replaced; change its newest version instead.")
    if credential.revoked_at is not None:
        raise Conflict("This badge is revoked, so it cannot be changed.")
    if credential.suspended_at is not None:
        raise Conflict(
            "This badge is suspended; it can be changed once the suspension is lifted."
        )
    award = credential.award
    award.name_in_credential = named
    if has_name(credential) == named:
        session.flush()
        return credential
    reason = (
        "the teacher chose to put their name in the badge"
        if named
        else "the teacher chose to take their name out of the badge"
    )
    return _reissue(session, credential, reason, announce=False)


def named_in(credential: IssuedCredential) -> str | None:
    """The name the credential itself carries (an unhashed name identity), if any."""
    subject = credential.document.get("credentialSubject", {})
    for identity in subject.get("identifier", []) if isinstance(subject, dict) else []:
        if (
            isinstance(identity, dict)
            and identity.get("identityType") == "name"
            and identity.get("hashed") is False
            and isinstance(identity.get("identityHash"), str)
        ):
            return str(identity["identityHash"])
    return None


def has_name(credential: IssuedCredential) -> bool:
    return named_in(credential) is not None


def awards_without_credential(
    session: DbSession, older_than_seconds: int | None = None
) -> list[int]:
    """Awards whose issuing job never completed (for the periodic sweep)."""
    if older_than_seconds is None:
        older_than_seconds = current_app.config["PDHUB_SWEEP_AFTER_SECONDS"]
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    issued = select(IssuedCredential.award_id)
    return list(
        session.scalars(
            select(Award.id)
            .join(Award.user)
            .where(User.email_verified_at.is_not(None))
            .where(Award.awarded_at < cutoff, Award.id.not_in(issued))
            .order_by(Award.id)
            .limit(500)
        )
    )


def issue_held_awards(session: DbSession, user: User) -> int:
    """Send the issuing job for ``user``'s awards held while their address was not
    confirmed; returns how many."""
    if not user.email_verified:
        return 0
    issued = select(IssuedCredential.award_id)
    held = list(
        session.scalars(
            select(Award.id).where(Award.user_id == user.id, Award.id.not_in(issued))
        )
    )
    for award_id in held:
        jobs.enqueue(tasks.ISSUE_CREDENTIAL, award_id)
    return len(held)


def issued_to_current_email(credential: IssuedCredential) -> bool:
    """Whether the credential's hashed recipient is the owner's email today."""
    expected = hash_identity(
        normalize_recipient(credential.user.email), credential.recipient_salt
    )
    identifiers = credential.document.get("credentialSubject", {}).get("identifier", [])
    return any(
        isinstance(item, dict) and item.get("identityHash") == expected
        for item in identifiers
    )


def reissue_to_current_email(
    session: DbSession, actor: User, credential: IssuedCredential
) -> IssuedCredential:
    """The teacher's own badge issued again to their current (confirmed) address.
    The old credential is kept valid (it still verifies for whoever holds it) and
    points at its replacement."""
    if credential.user_id != actor.id:
        raise NotFound("There is no badge at this address.")
    if not actor.email_verified:
        raise Conflict("Confirm your email address first.")
    if credential.replaced_by_id is not None or credential.current_award_id is None:
        raise Conflict("This badge was already reissued.")
    if credential.revoked_at is not None or credential.suspended_at is not None:
        raise Conflict("This badge is not valid, so it can't be reissued.")
    if issued_to_current_email(credential):
        raise Conflict("This badge is already issued to your current email.")
    credential.current_award_id = None
    session.flush()
    replacement = _issue(session, credential.award)
    replacement.shared = credential.shared
    replacement.shared_at = credential.shared_at
    credential.replaced_by_id = replacement.id
    session.flush()
    return replacement


# --- status -------------------------------------------------------------------


def _require_manager(actor: User | None) -> None:
    # ``None`` is the command line, run by whoever operates the server.
    if actor is not None and not policies.can_manage_credentials(actor):
        raise PermissionDenied("Only platform administrators can change credentials.")


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "Give a public reason; the teacher and anyone with the badge's link "
            "see it.",
            field="reason",
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"Keep the reason under {MAX_REASON} characters.", field="reason"
        )
    return reason


def check_reason(reason: str | None, note: str | None = None) -> None:
    """Raise InvalidInput as a status change would for this reason and note."""
    _reason(reason)
    _note(note)


def _note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise InvalidInput(
            f"Keep the internal note under {MAX_REASON} characters.", field="note"
        )
    return note or None


def _flag(
    session: DbSession, credential: IssuedCredential, value: bool, revoking: bool
) -> None:
    """Set or clear the credential's bit in the list its status entry names.

    A revocation-list bit (credentials issued before suspension lists) is set by a
    revocation only, and never cleared. A suspension-list bit is set by a
    suspension or a revocation and cleared only when a suspension is lifted.
    """
    status_list = credential.revocation_list
    if status_list.purpose is StatusPurpose.REVOCATION and not (value and revoking):
        return
    status.set_bit(session, status_list, credential.revocation_index, value)


def publishes_suspension(credential: IssuedCredential) -> bool:
    """Whether a suspension of this credential shows in its status list (those
    issued before suspension lists were published carry a revocation entry only)."""
    return credential.revocation_list.purpose is StatusPurpose.SUSPENSION


def _revoke(
    session: DbSession,
    credential: IssuedCredential,
    reason: str,
    note: str | None = None,
) -> None:
    credential.revoked_at = utcnow()
    credential.revocation_reason = reason
    credential.revocation_note = note
    _flag(session, credential, True, revoking=True)
    session.flush()


def revoke_credential(
    session: DbSession,
    actor: User | None,
    credential: IssuedCredential,
    reason: str,
    note: str | None = None,
) -> IssuedCredential:
    """Revoke for good: set its bit in its status list and re-sign the list; tell
    the teacher. ``reason`` is public, ``note`` for administrators only.

    Raises PermissionDenied, InvalidInput (no reason) or Conflict (already revoked).
    """
    _require_manager(actor)
    reason = _reason(reason)
    note = _note(note)
    if credential.revoked_at is not None:
        raise Conflict("This credential is already revoked.")
    _revoke(session, credential, reason, note)
    _record_change(session, AuditAction.CREDENTIAL_REVOKE, actor, credential, reason)
    _tell(session, credential, "revoked")
    return credential


def suspend_credential(
    session: DbSession,
    actor: User | None,
    credential: IssuedCredential,
    reason: str,
    note: str | None = None,
) -> IssuedCredential:
    """Suspend (reversibly): set its suspension bit and re-sign the list (for a
    credential whose entry is a suspension entry), keep the public reason and the
    internal note, tell the teacher. Raises PermissionDenied, InvalidInput or
    Conflict (revoked or already suspended)."""
    _require_manager(actor)
    reason = _reason(reason)
    note = _note(note)
    if credential.revoked_at is not None:
        raise Conflict("A revoked credential cannot be suspended.")
    if credential.suspended_at is not None:
        raise Conflict("This credential is already suspended.")
    credential.suspended_at = utcnow()
    credential.suspension_reason = reason
    credential.suspension_note = note
    _flag(session, credential, True, revoking=False)
    session.flush()
    _record_change(session, AuditAction.CREDENTIAL_SUSPEND, actor, credential, reason)
    _tell(session, credential, "suspended")
    return credential


def unsuspend_credential(
    session: DbSession, actor: User | None, credential: IssuedCredential
) -> IssuedCredential:
    """Lift a suspension: clear the bit and re-sign the list, so the credential
    verifies again; tell the teacher. Raises PermissionDenied or Conflict (not
    suspended, or revoked)."""
    _require_manager(actor)
    if credential.revoked_at is not None:
        raise Conflict("This credential is revoked; a revocation cannot be lifted.")
    if credential.suspended_at is None:
        raise Conflict("This credential is not suspended.")
    credential.suspended_at = None
    credential.suspension_reason = None
    credential.suspension_note = None
    _flag(session, credential, False, revoking=False)
    session.flush()
    _record_change(session, AuditAction.CREDENTIAL_REINSTATE, actor, credential)
    _tell(session, credential, "reinstated")
    return credential


reinstate_credential = unsuspend_credential


def _tell(session: DbSession, credential: IssuedCredential, change: str) -> None:
    """Tell the teacher (in the app and by email) that a badge's status changed,
    with the public reason; each change once."""
    user = credential.user
    # Lazy: ``tell`` reads them in the teacher's language, the badge's name too.
    name = lazy_badge_name(credential.award.module)
    reason = {
        "revoked": credential.revocation_reason,
        "suspended": credential.suspension_reason,
    }.get(change)
    when = utcnow()
    key = f"credential-{change}-{credential.id}-{when.strftime('%Y%m%d%H%M%S%f')}"
    if change == "revoked":
        said = _l("Your %(badge)s badge was revoked.", badge=name)
        subject = _l("Your %(badge)s badge was revoked", badge=name)
    elif change == "suspended":
        said = _l("Your %(badge)s badge was suspended.", badge=name)
        subject = _l("Your %(badge)s badge was suspended", badge=name)
    else:
        said = _l(
            "Your %(badge)s badge is in good standing again: its suspension was "
            "lifted.",
            badge=name,
        )
        subject = _l("Your %(badge)s badge is in good standing again", badge=name)

    def text() -> str:
        found = str(said)
        if reason:
            found += " " + _("Reason: %(reason)s", reason=reason)
        return found[:500]

    message = LazyString(text)
    notifications.tell(
        session,
        notifications.Message(
            key=key,
            to=user,
            text=message,
            link=f"/credentials/{credential.id}",
            subject=subject,
            template="credential_status",
            context={
                "user": user,
                "badge_name": name,
                "change": change,
                "reason": reason,
                "link": page_url(credential),
            },
        ),
    )


# --- sharing and reading ------------------------------------------------------


def set_shared(
    session: DbSession, actor: User, credential: IssuedCredential, shared: bool
) -> IssuedCredential:
    """Turn the public page and downloads of a credential on or off (owner only)."""
    if not policies.can_share(actor, credential):
        raise PermissionDenied("Only the teacher who earned a badge can share it.")
    credential.shared = shared
    credential.shared_at = utcnow() if shared else None
    session.flush()
    return credential


def get_credential(session: DbSession, credential_id: str) -> IssuedCredential:
    """The credential with this UUID; raises NotFound."""
    try:
        uuid.UUID(credential_id)
    except ValueError:
        raise NotFound("No credential has that id.") from None
    credential = session.get(IssuedCredential, credential_id.lower())
    if credential is None:
        raise NotFound("No credential has that id.")
    return credential


def credentials_of(session: DbSession, user: User) -> list[IssuedCredential]:
    """A teacher's credentials, newest first, replaced ones left out."""
    return list(
        session.scalars(
            select(IssuedCredential)
            .options(joinedload(IssuedCredential.award).joinedload(Award.module))
            .where(
                IssuedCredential.user_id == user.id,
                IssuedCredential.replaced_by_id.is_(None),
            )
            .order_by(IssuedCredential.issued_at.desc())
        )
    )


def list_credentials(
    session: DbSession, email: str | None = None, limit: int | None = None
) -> list[IssuedCredential]:
    """Every credential (optionally one person's), newest first."""
    query = (
        select(IssuedCredential)
        .join(User, User.id == IssuedCredential.user_id)
        .options(
            joinedload(IssuedCredential.user),
            joinedload(IssuedCredential.award).joinedload(Award.module),
        )
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
    )
    if email:
        query = query.where(User.email == email_key(email))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def summary(credential: IssuedCredential) -> dict[str, object]:
    """The CLI/JSON listing of one credential."""
    return {
        "id": credential.id,
        "email": credential.user.email,
        "name": credential.user.name,
        "achievement": credential.award.module.badge_name,
        "achievement_id": credential.achievement_id,
        "issued": credential.issued_at.isoformat(),
        "status": "revoked"
        if credential.revoked_at is not None
        else "suspended"
        if credential.suspended_at is not None
        else "active",
        "revocation_reason": credential.revocation_reason,
        "suspension_reason": credential.suspension_reason,
        "replaced_by": credential.replaced_by_id,
        "shared": credential.shared,
    }


# --- URLs ---------------------------------------------------------------------


def page_url(credential: IssuedCredential) -> str:
    return f"{keys.base_url()}/credentials/{credential.id}"


def json_url(credential: IssuedCredential) -> str:
    return f"{page_url(credential)}.json"


def verify_url(credential: IssuedCredential) -> str:
    return f"{keys.base_url()}/verify?" + urlencode({"url": json_url(credential)})


def linkedin_url(credential: IssuedCredential) -> str:
    """LinkedIn's "Add to profile" link for a certification."""
    issued = credential.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": credential.award.module.badge_name,
            "organizationName": keys.ISSUER_NAME,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "certUrl": page_url(credential),
            "certId": credential.id,
        }
    )


def download(session: DbSession, credential: IssuedCredential, kind: str) -> bytes:
    """The credential as "json", "jwt", or baked into its badge as "png" or "svg".

    The JWT (OB 3.0 §8.2, signed with the issuer key) and the baked images (OB 3.0
    §5.3) are made on their first download and stored (flushed; the caller commits),
    then read back; the JSON is as issued. Raises NotFound for another kind. This is
    the only way to get them: reading the model never signs or bakes.
    """
    if kind == "json":
        return credential.credential_json.encode("utf-8")
    if kind == "jwt":
        if credential.jwt_cache is None:
            credential.jwt_cache = issuing.credential_jwt(credential)
            session.flush()
        return credential.jwt_cache.encode("ascii")
    if kind == "png":
        if credential.png_cache is None:
            credential.png_cache = issuing.bake(credential, "png")
            session.flush()
        return bytes(credential.png_cache)
    if kind == "svg":
        if credential.svg_cache is None:
            credential.svg_cache = issuing.bake(credential, "svg")
            session.flush()
        return bytes(credential.svg_cache)
    raise NotFound("There is no such download of a credential.")


@dataclass(frozen=True)
class OwnWords:
    """What a credential says about its achievement, in the language it was issued
    in (``language``, its ``inLanguage``; English for credentials without one)."""

    name: str
    description: str
    language: str


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def own_words(credential: IssuedCredential) -> OwnWords:
    """The achievement's name and description as the signed credential has them."""
    module = credential.award.module
    achievement = credential.document.get("credentialSubject", {}).get(
        "achievement", {}
    )
    language = str(achievement.get("inLanguage") or DEFAULT_LANGUAGE)
    return OwnWords(
        name=str(achievement.get("name") or module.badge_name),
        description=str(achievement.get("description") or module.badge_description),
        language=language if _LANGUAGE_CODE.match(language) else DEFAULT_LANGUAGE,
    )


def certificate(credential: IssuedCredential) -> bytes:
    """The PDF certificate of a credential, in the credential's own words."""
    module = credential.award.module
    words = own_words(credential)
    return images.certificate_pdf(
        recipient=credential.user.name,
        badge_name=words.name,
        description=words.description,
        hours=module.hours,
        issued_at=credential.issued_at,
        credential_id=credential.id,
        verify_url=verify_url(credential),
        png=images.badge_png(module),
    )
