"""Erasing an account: the person's data leaves the database, the file store and the
throttle counters; what others need keeps its shape (posts stay, by "A former
member"; reviews keep their scores; credentials stay verifiable unless they name the
person, carry their evidence, or the district revokes on erasure)."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from pdhub import jobs, tasks
from pdhub.accountdata.models import DataExport
from pdhub.accountdata.policies import can_erase
from pdhub.accounts import passwords
from pdhub.accounts.models import (
    AccountToken,
    ApiToken,
    RecoveryCode,
    User,
    UserSession,
)
from pdhub.accounts.service import email_key
from pdhub.audit import service as audit_trail
from pdhub.audit.models import AuditAction
from pdhub.backpack.models import OutsideBadge
from pdhub.clr.models import ClrTranscript
from pdhub.coaching.models import Booking, Conversation, ConversationMessage
from pdhub.cohorts.models import Attendance
from pdhub.communities.models import (
    CommunityMember,
    Draft,
    Follow,
    Post,
    PostRevision,
    Report,
    Thread,
    ThreadRead,
)
from pdhub.credentials import service as credentials
from pdhub.credentials.models import Award, IssuedCredential, Renewal
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import ExternalLearning, Invitation, RosterEntry
from pdhub.errors import InvalidInput, NotFound
from pdhub.impact.models import LessonReport, ModuleFeedback
from pdhub.learning.models import Enrollment, QuizAttempt
from pdhub.learnpath.models import ClassInventory, LearnerSelfAssessment
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.obapi.models import OAuthAuthorizationCode, OAuthToken
from pdhub.pathways import service as pathways
from pdhub.privacy import encryption
from pdhub.review.models import Review
from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
from pdhub.verification.models import VerificationItem
from pdhub.wallets.models import WalletCredential, WalletExchange

log = logging.getLogger(__name__)

#: What an erased account is called where its row still shows (staff lists).
ERASED_NAME = "Former member"
#: What the person types to confirm (in their language, or in English).
CONFIRM_PHRASE = _l("erase my account")
#: The public reason of a credential revoked because its holder's account was erased.
REVOKED_REASON = "The holder's account was erased."


def tombstone_email(user_id: int) -> str:
    return f"erased-{user_id}@erased.invalid"


def delete_files_after_commit(keys: list[str]) -> None:
    """Remove stored files once the rows naming them are gone for good (a rollback
    keeps them)."""
    if keys:
        jobs.enqueue(tasks.DELETE_STORED_FILES, sorted(set(keys)))


def purge_evidence(session: DbSession, submission: Submission) -> list[str]:
    """Empty a submission's evidence: draft and version texts, links, screening
    notes and files (rows now, bytes after the commit). The status and the coach's
    scores stay. Returns the storage keys to delete."""
    keys = list(
        session.scalars(
            select(Artifact.storage_key).where(Artifact.submission_id == submission.id)
        )
    )
    session.execute(delete(Artifact).where(Artifact.submission_id == submission.id))
    submission.context_text = ""
    submission.reflection_text = ""
    submission.links = []
    submission.share_evidence_in_badge = False
    submission.evidence_purged_at = utcnow()
    session.execute(
        update(SubmissionVersion)
        .where(SubmissionVersion.submission_id == submission.id)
        .values(
            context_encrypted=encryption.seal(""),
            reflection_encrypted=encryption.seal(""),
            text_key_version=encryption.key_version(),
            links=[],
            artifact_ids=[],
            screening=None,
        )
    )
    session.flush()
    return keys


def _strip_person(document: dict[str, Any]) -> dict[str, Any]:
    """The stored copy of a credential without the holder's name or evidence."""
    subject = document.get("credentialSubject")
    if isinstance(subject, dict):
        identifiers = subject.get("identifier")
        if isinstance(identifiers, list):
            subject["identifier"] = [
                item
                for item in identifiers
                if not (isinstance(item, dict) and item.get("identityType") == "name")
            ]
    document.pop("evidence", None)
    return document


def _settle_credentials(session: DbSession, user: User) -> None:
    """Credentials that name the person or carry their evidence are revoked and
    their stored copy loses both; the rest stay verifiable unless the district
    revokes on erasure. Baked images and JWTs are dropped (made again on demand)."""
    revoke_all = bool(user.district is not None and user.district.revoke_on_erasure)
    for credential in session.scalars(
        select(IssuedCredential).where(IssuedCredential.user_id == user.id)
    ):
        document = credential.document
        personal = credentials.has_name(credential) or bool(document.get("evidence"))
        if (revoke_all or personal) and credential.revoked_at is None:
            credentials._revoke(session, credential, REVOKED_REASON)
        if personal:
            credential.credential_json = json.dumps(_strip_person(document))
        credential.jwt_cache = None
        credential.png_cache = None
        credential.svg_cache = None
        credential.shared = False
    session.execute(
        update(Award).where(Award.user_id == user.id).values(name_in_credential=False)
    )
    # The wallet copies share their original's status entry (revoked with it); our
    # record of them (the wallet's DID, perhaps the name or evidence) goes.
    session.execute(delete(WalletCredential).where(WalletCredential.user_id == user.id))
    session.execute(delete(WalletExchange).where(WalletExchange.user_id == user.id))
    if revoke_all:
        for milestone in pathways.milestones_of(session, user):
            if milestone.revoked_at is None:
                pathways.revoke_milestone(session, None, milestone, REVOKED_REASON)


def forget_throttles(user: User) -> int:
    """Remove the sign-in and re-authentication counters kept for the person in
    Redis (their keys hold the address). Returns how many keys went."""
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    if not uri.startswith(("redis://", "rediss://")):
        return 0
    import redis

    try:
        store = redis.Redis.from_url(uri, socket_timeout=2)
        patterns = [f"*account:{email_key(user.email)}*", f"*reauth:{user.id}/*"]
        keys = [key for pattern in patterns for key in store.scan_iter(pattern)]
        return int(store.delete(*keys)) if keys else 0
    except redis.RedisError:
        log.warning("throttle counters of user %s could not be removed", user.id)
        return 0


def check_confirmation(user: User, password: str, phrase: str) -> None:
    """The person's own erasure: their password and the phrase, typed. Raises
    InvalidInput naming the field."""
    if not passwords.check_password(user.password_hash, password):
        raise InvalidInput(_("That password is not right."), field="password")
    if not phrase_matches(phrase):
        raise InvalidInput(_("Type the phrase exactly as shown."), field="phrase")


def phrase_matches(typed: str) -> bool:
    """The confirmation phrase, in the reader's language or in English; letter case
    and extra spaces don't matter."""
    typed = " ".join(typed.split()).casefold()
    return typed in {str(CONFIRM_PHRASE).casefold(), "erase my account"}


def erase_account(session: DbSession, actor: User | None, user: User) -> None:
    """Erase ``user``'s personal data (``actor`` None is the retention job).

    Raises NotFound when ``actor`` may not erase this account (the pages answer 404,
    so nobody learns that another district's account exists).
    """
    if actor is not None and not can_erase(actor, user):
        raise NotFound(_("There is no such account."))
    if user.erased_at is not None:
        return
    keys: list[str] = []
    old_email, old_name, user_id = user.email, user.name, user.id
    forget_throttles(user)

    submissions = session.scalars(
        select(Submission).join(Enrollment).where(Enrollment.user_id == user_id)
    ).all()
    for submission in submissions:
        keys += purge_evidence(session, submission)
    submission_ids = [submission.id for submission in submissions]
    if submission_ids:
        session.execute(
            update(Review)
            .where(Review.submission_id.in_(submission_ids))
            .values(overall_feedback="")
        )
    session.execute(
        update(QuizAttempt)
        .where(
            QuizAttempt.enrollment_id.in_(
                select(Enrollment.id).where(Enrollment.user_id == user_id)
            )
        )
        .values(answers={})
    )
    # Impact: the comment on a rating and lesson reports are free text (the rating
    # and survey answers stay, counted without a name).
    own_enrollments = select(Enrollment.id).where(Enrollment.user_id == user_id)
    session.execute(
        update(ModuleFeedback)
        .where(ModuleFeedback.enrollment_id.in_(own_enrollments))
        .values(comment="")
    )
    session.execute(
        delete(LessonReport).where(LessonReport.enrollment_id.in_(own_enrollments))
    )
    for record in session.scalars(
        select(ExternalLearning).where(ExternalLearning.user_id == user_id)
    ):
        if record.certificate_key:
            keys.append(record.certificate_key)
        record.title = ""
        record.provider = ""
        record.description = ""
        record.certificate_filename = ""
        record.certificate_key = ""
    for export in session.scalars(
        select(DataExport).where(DataExport.user_id == user_id)
    ):
        if export.storage_key:
            keys.append(export.storage_key)
    session.execute(delete(DataExport).where(DataExport.user_id == user_id))

    _settle_credentials(session, user)

    # Community: posts and threads stay, by "A former member".
    session.execute(
        update(Post).where(Post.author_id == user_id).values(author_id=None)
    )
    session.execute(
        update(Thread).where(Thread.author_id == user_id).values(author_id=None)
    )
    session.execute(
        update(PostRevision)
        .where(PostRevision.edited_by_id == user_id)
        .values(edited_by_id=None)
    )
    session.execute(
        update(Report).where(Report.reporter_id == user_id).values(reporter_id=None)
    )
    community_rows: tuple[type[Any], ...] = (Draft, Follow, ThreadRead, CommunityMember)
    for model in community_rows:
        session.execute(delete(model).where(model.user_id == user_id))

    # Coaching: the teacher's private conversations go with them; a coach's messages
    # in other people's conversations stay, by nobody. Bookings and attendance go.
    own_talks = select(Conversation.id).where(Conversation.teacher_id == user_id)
    session.execute(
        delete(ConversationMessage).where(
            ConversationMessage.conversation_id.in_(own_talks)
        )
    )
    session.execute(delete(Conversation).where(Conversation.teacher_id == user_id))
    session.execute(
        update(ConversationMessage)
        .where(ConversationMessage.author_id == user_id)
        .values(author_id=None)
    )
    session.execute(delete(Booking).where(Booking.teacher_id == user_id))
    # The self-assessment, class counts, connected systems' grants (OB 3.0 API) and
    # the stored signed transcript (its sharing link stops working).
    # Badges from other issuers go; reflections written to renew a badge are
    # emptied (the renewal's dates and decision stay with the credential).
    session.execute(delete(OutsideBadge).where(OutsideBadge.user_id == user_id))
    for renewal in session.scalars(
        select(Renewal)
        .join(IssuedCredential, IssuedCredential.id == Renewal.credential_id)
        .where(IssuedCredential.user_id == user_id)
    ):
        renewal.reflection_text = ""
        renewal.feedback = None
    learning_rows: tuple[type[Any], ...] = (
        Attendance,
        LearnerSelfAssessment,
        ClassInventory,
        OAuthAuthorizationCode,
        OAuthToken,
        ClrTranscript,
    )
    for model in learning_rows:
        session.execute(delete(model).where(model.user_id == user_id))

    # Account secrets, sessions, notes and mail.
    account_rows: tuple[type[Any], ...] = (
        UserSession,
        ApiToken,
        AccountToken,
        RecoveryCode,
        Notification,
    )
    for model in account_rows:
        session.execute(delete(model).where(model.user_id == user_id))
    mentions = [
        EmailMessage.to == old_email,
        EmailMessage.body.contains(old_email, autoescape=True),
    ]
    if len(old_name.strip()) >= 3:
        mentions.append(EmailMessage.body.contains(old_name, autoescape=True))
        mentions.append(EmailMessage.subject.contains(old_name, autoescape=True))
        session.execute(
            delete(Notification).where(
                Notification.message.contains(old_name, autoescape=True)
            )
        )
        session.execute(
            update(VerificationItem)
            .where(VerificationItem.teacher == old_name)
            .values(teacher=None)
        )
    session.execute(delete(EmailMessage).where(or_(*mentions)))
    session.execute(
        delete(RosterEntry).where(
            or_(RosterEntry.user_id == user_id, RosterEntry.email == old_email)
        )
    )
    session.execute(delete(Invitation).where(Invitation.email == old_email))

    user.email = tombstone_email(user_id)
    user.name = ERASED_NAME
    user.password_hash = passwords.hash_password(secrets.token_urlsafe(32))
    user.password_version += 1
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    user.active = False
    user.time_zone = None
    user.language = None
    user.school_id = None
    user.email_verified_at = None
    user.review_digest_email = False
    user.erased_at = utcnow()
    session.flush()
    delete_files_after_commit(keys)
    audit_trail.record(
        session,
        AuditAction.ACCOUNT_ERASE,
        actor=actor,
        subject=user,
        object_type="user",
        object_id=user_id,
        detail={"by": "retention" if actor is None else "request"},
    )
