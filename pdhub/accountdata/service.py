"""Data exports: asking for one, the worker building the ZIP (everything PD Hub holds
about a teacher, or a district's records for its administrator), and the emailed
link that works once, for its owner, for PDHUB_EXPORT_LINK_HOURS."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import secrets
import zipfile
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select

from pdhub import jobs, tasks
from pdhub.accountdata.models import DataExport, ExportKind, ExportStatus
from pdhub.accountdata.policies import can_export_district
from pdhub.accounts.models import User
from pdhub.audit import service as audit_trail
from pdhub.audit.models import AuditAction
from pdhub.communities.models import Community, Post, Thread
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District, ExternalLearning
from pdhub.errors import Conflict, DomainError, NotFound
from pdhub.exports import csv_text
from pdhub.i18n import speaking_to
from pdhub.learning.models import Enrollment, Module, QuizAttempt
from pdhub.notifications import service as notifications
from pdhub.notifications.models import Notification
from pdhub.review.models import Review
from pdhub.submissions.models import Artifact, Submission
from pdhub.submissions.storage import ArtifactUnreadable, file_store, read_stored

log = logging.getLogger(__name__)

#: How long an emailed download link works.
LINK_HOURS = 72
#: Signs download tokens apart from every other signed value of the app.
_SALT = "pdhub.data-export"


class LinkUsed(DomainError):
    """The link was already used."""


class LinkExpired(DomainError):
    """The link is past its time (or the export was never finished)."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["PDHUB_SECRET_KEY"], salt=_SALT)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def request_export(session: DbSession, user: User) -> DataExport:
    """Ask for everything held about ``user``; the ZIP is built after the commit.
    Raises Conflict while another export of theirs is being built."""
    return _request(session, user, ExportKind.ACCOUNT, None)


def request_district_export(
    session: DbSession, actor: User, district: District
) -> DataExport:
    """Ask for ``district``'s records. Raises NotFound for anyone but its
    administrator (or a platform administrator), Conflict while one is built."""
    if not can_export_district(actor, district):
        raise NotFound(_("There is no such district."))
    return _request(session, actor, ExportKind.DISTRICT, district.id)


def _request(
    session: DbSession, user: User, kind: ExportKind, district_id: int | None
) -> DataExport:
    waiting = session.scalar(
        select(DataExport.id).where(
            DataExport.user_id == user.id,
            DataExport.kind == kind,
            DataExport.status == ExportStatus.PENDING,
        )
    )
    if waiting is not None:
        raise Conflict(_("Your data is already being prepared. We will email you."))
    export = DataExport(user_id=user.id, kind=kind, district_id=district_id)
    session.add(export)
    session.flush()
    jobs.enqueue(tasks.BUILD_DATA_EXPORT, export.id)
    audit_trail.record(
        session,
        AuditAction.DATA_EXPORT_REQUEST,
        actor=user,
        object_type="data_export",
        object_id=export.id,
        district_id=district_id if district_id is not None else user.district_id,
        detail={"kind": kind.value},
    )
    return export


def exports_of(session: DbSession, user: User, kind: ExportKind) -> list[DataExport]:
    return list(
        session.scalars(
            select(DataExport)
            .where(DataExport.user_id == user.id, DataExport.kind == kind)
            .order_by(DataExport.created_at.desc(), DataExport.id.desc())
            .limit(5)
        )
    )


# --- building -------------------------------------------------------------------------


def build_export(session: DbSession, export_id: int) -> bool:
    """Build the ZIP, store it encrypted, and email the one-time link. A finished
    export is left as it is (a rerun adds nothing). Returns whether it was built."""
    export = session.get(DataExport, export_id, with_for_update=True)
    if export is None or export.status is not ExportStatus.PENDING:
        return False
    user = export.user
    with speaking_to(user):
        if export.kind is ExportKind.DISTRICT:
            district = session.get(District, export.district_id or 0)
            if district is None or not can_export_district(user, district):
                export.status = ExportStatus.FAILED
                return False
            content = district_zip(session, district, user)
        else:
            content = account_zip(session, user)
    export.storage_key = file_store().save(content)
    export.size = len(content)
    secret = secrets.token_urlsafe(32)
    export.token_hash = _hash(secret)
    export.status = ExportStatus.READY
    export.ready_at = utcnow()
    export.expires_at = export.ready_at + timedelta(hours=LINK_HOURS)
    session.flush()
    token = _serializer().dumps([export.id, secret])
    notifications.tell(
        session,
        notifications.Message(
            key=f"data-export:{export.id}:ready",
            to=user,
            text=_l("Your data export is ready. We emailed you a download link."),
            link=notifications.link_for("accountdata.data_page"),
            subject=_l("Your PD Hub data is ready to download"),
            template="data_export_ready",
            context={
                "link": notifications.link_for("accountdata.download", token=token),
                "hours": LINK_HOURS,
                "district": export.kind is ExportKind.DISTRICT,
                "user": user,
            },
            secret=True,
        ),
    )
    log.info("data export %s built for user %s", export.id, user.id)
    return True


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"
    return cleaned[:80]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode()


def account_zip(session: DbSession, user: User) -> bytes:
    """Everything PD Hub holds about ``user``, as a ZIP (README.txt in their
    language first)."""
    files: dict[str, bytes] = {}
    files["profile.json"] = _json(
        {
            "name": user.name,
            "email": user.email,
            "role": user.role.value,
            "district": user.district.name if user.district else None,
            "school": user.school.name if user.school else None,
            "language": user.language,
            "time_zone": user.time_zone,
            "created_at": _when(user.created_at),
            "email_verified_at": _when(user.email_verified_at),
            "two_factor_enabled": user.two_factor_enabled,
            "review_digest_email": user.review_digest_email,
        }
    )
    enrollments = session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id).order_by(Enrollment.id)
    ).all()
    attempts: dict[int, list[QuizAttempt]] = {}
    for attempt in session.scalars(
        select(QuizAttempt)
        .join(Enrollment)
        .where(Enrollment.user_id == user.id)
        .order_by(QuizAttempt.number)
    ):
        attempts.setdefault(attempt.enrollment_id, []).append(attempt)
    files["enrollments.json"] = _json(
        [
            {
                "module": enrollment.module.slug,
                "title": enrollment.module.title,
                "status": enrollment.status.value,
                "language": enrollment.language,
                "started_at": _when(enrollment.started_at),
                "completed_at": _when(enrollment.completed_at),
                "due_date": enrollment.due_date.isoformat()
                if enrollment.due_date
                else None,
                "lessons_completed": len(enrollment.lesson_progress),
                "knowledge_checks": [
                    {
                        "try": attempt.number,
                        "answers": attempt.answers,
                        "score_percent": attempt.score_percent,
                        "passed": attempt.passed,
                        "submitted_at": _when(attempt.submitted_at),
                    }
                    for attempt in attempts.get(enrollment.id, [])
                ],
            }
            for enrollment in enrollments
        ]
    )
    submissions = session.scalars(
        select(Submission)
        .join(Enrollment)
        .where(Enrollment.user_id == user.id)
        .order_by(Submission.id)
    ).all()
    submission_rows = []
    for submission in submissions:
        stored = session.scalars(
            select(Artifact)
            .where(Artifact.submission_id == submission.id)
            .order_by(Artifact.id)
        ).all()
        names = []
        for artifact in stored:
            name = (
                f"files/{submission.id}/{artifact.id}-{_safe_name(artifact.filename)}"
            )
            try:
                files[name] = read_stored(artifact.storage_key)
            except ArtifactUnreadable:
                log.warning("export: artifact %s unreadable", artifact.id)
                continue
            names.append(name)
        submission_rows.append(
            {
                "id": submission.id,
                "module": submission.enrollment.module.slug,
                "status": submission.status.value,
                "context": submission.context_text,
                "reflection": submission.reflection_text,
                "links": submission.links,
                "share_evidence_in_badge": submission.share_evidence_in_badge,
                "files": names,
                "versions": [
                    {
                        "number": version.number,
                        "context": version.context_text,
                        "reflection": version.reflection_text,
                        "links": version.links,
                        "submitted_at": _when(version.submitted_at),
                        "screening": version.screening,
                    }
                    for version in submission.versions
                ],
            }
        )
    files["submissions.json"] = _json(submission_rows)
    ids = [submission.id for submission in submissions]
    reviews = (
        session.scalars(
            select(Review).where(Review.submission_id.in_(ids)).order_by(Review.id)
        ).all()
        if ids
        else []
    )
    files["reviews.json"] = _json(
        [
            {
                "submission": review.submission_id,
                "decision": review.decision.value,
                "scores": review.scores,
                "feedback": review.overall_feedback,
                "decided_at": _when(review.decided_at),
            }
            for review in reviews
        ]
    )
    posts = session.execute(
        select(Post, Thread.title, Community.name)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Community, Community.id == Thread.community_id)
        .where(Post.author_id == user.id)
        .order_by(Post.id)
    ).all()
    files["community_posts.json"] = _json(
        [
            {
                "community": community,
                "thread": title,
                "opening_post": post.is_opening,
                "text": post.body_markdown,
                "created_at": _when(post.created_at),
                "edited_at": _when(post.edited_at),
            }
            for post, title, community in posts
        ]
    )
    files["notifications.json"] = _json(
        [
            {
                "message": note.message,
                "link": note.link,
                "created_at": _when(note.created_at),
                "read_at": _when(note.read_at),
            }
            for note in session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        ]
    )
    files["external_learning.json"] = _json(
        [
            {
                "title": record.title,
                "provider": record.provider,
                "hours": record.hours,
                "started_on": record.started_on.isoformat(),
                "ended_on": record.ended_on.isoformat(),
                "description": record.description,
                "status": record.status.value,
            }
            for record in session.scalars(
                select(ExternalLearning)
                .where(ExternalLearning.user_id == user.id)
                .order_by(ExternalLearning.id)
            )
        ]
    )
    owned = credentials.credentials_of(session, user)
    for credential in owned:
        files[f"credentials/{credential.id}.json"] = credentials.download(
            session, credential, "json"
        )
        files[f"credentials/{credential.id}.png"] = credentials.download(
            session, credential, "png"
        )
    files["transcript.csv"] = transcript_csv(session, user, owned).encode("utf-8")
    files.update(_coaching_files(session, user))
    files.update(_learning_feedback_files(session, user))
    files.update(_pathway_files(session, user))
    files.update(_more_badge_files(session, user))
    return _zip(render_template("accountdata/README_account.txt", user=user), files)


def _coaching_files(session: DbSession, user: User) -> dict[str, bytes]:
    """Coaching conversations (decrypted), office-hours bookings and cohort
    attendance."""
    from pdhub.coaching import service as coaching
    from pdhub.coaching.models import Booking, Conversation, OfficeHourSlot
    from pdhub.cohorts.models import Attendance, Cohort, CohortSession

    conversations = session.scalars(
        select(Conversation)
        .where(
            or_(Conversation.teacher_id == user.id, Conversation.coach_id == user.id)
        )
        .order_by(Conversation.id)
    )
    bookings = session.execute(
        select(Booking, OfficeHourSlot)
        .join(OfficeHourSlot, OfficeHourSlot.id == Booking.slot_id)
        .where(Booking.teacher_id == user.id)
        .order_by(Booking.id)
    )
    attendance = session.execute(
        select(Attendance, CohortSession, Cohort)
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .join(Cohort, Cohort.id == CohortSession.cohort_id)
        .where(Attendance.user_id == user.id)
        .order_by(CohortSession.starts_at)
    )
    return {
        "coaching.json": _json(
            [
                {
                    "subject": conversation.subject,
                    "teacher": conversation.teacher.name,
                    "coach": conversation.coach.name,
                    "messages": [
                        {
                            "from": message.author.name if message.author else None,
                            "text": message.body,
                            "at": _when(message.created_at),
                        }
                        for message in coaching.messages(session, conversation)
                    ],
                }
                for conversation in conversations
            ]
        ),
        "office_hours.json": _json(
            [
                {
                    "coach": slot.coach.name,
                    "starts_at": _when(slot.starts_at),
                    "place": slot.place,
                    "booked_at": _when(booking.created_at),
                    "cancelled_at": _when(booking.cancelled_at or slot.cancelled_at),
                }
                for booking, slot in bookings
            ]
        ),
        "cohort_attendance.json": _json(
            [
                {
                    "cohort": cohort.name,
                    "session": _when(cohort_session.starts_at),
                    "present": record.present,
                }
                for record, cohort_session, cohort in attendance
            ]
        ),
    }


def _learning_feedback_files(session: DbSession, user: User) -> dict[str, bytes]:
    """The self-assessment, class access counts, module ratings, lesson reports and
    survey answers."""
    from pdhub.impact.models import LessonReport, ModuleFeedback, SurveyResponse
    from pdhub.learning.models import Lesson
    from pdhub.learnpath.models import ClassInventory, LearnerSelfAssessment

    mine = select(Enrollment.id).where(Enrollment.user_id == user.id)
    assessment = session.scalar(
        select(LearnerSelfAssessment).where(LearnerSelfAssessment.user_id == user.id)
    )
    ratings = session.execute(
        select(ModuleFeedback, Module)
        .join(Module, Module.id == ModuleFeedback.module_id)
        .where(ModuleFeedback.enrollment_id.in_(mine))
        .order_by(ModuleFeedback.id)
    )
    reports = session.execute(
        select(LessonReport, Lesson)
        .join(Lesson, Lesson.id == LessonReport.lesson_id)
        .where(LessonReport.enrollment_id.in_(mine))
        .order_by(LessonReport.id)
    )
    surveys = session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.enrollment_id.in_(mine))
        .order_by(SurveyResponse.id)
    )
    inventories = session.scalars(
        select(ClassInventory)
        .where(ClassInventory.user_id == user.id)
        .order_by(ClassInventory.id)
    )
    return {
        "self_assessment.json": _json(
            {
                "answers": assessment.answers,
                "taken_at": _when(assessment.taken_at),
                "times_taken": assessment.times_taken,
            }
            if assessment is not None
            else None
        ),
        "class_access_counts.json": _json(
            [
                {
                    "module": inventory.module_slug,
                    "students": inventory.students,
                    "counts": inventory.counts,
                    "shared_with_district": inventory.shared,
                    "updated_at": _when(inventory.updated_at),
                }
                for inventory in inventories
            ]
        ),
        "module_feedback.json": _json(
            {
                "ratings": [
                    {
                        "module": module.title,
                        "rating": feedback.rating,
                        "comment": feedback.comment,
                        "updated_at": _when(feedback.updated_at),
                    }
                    for feedback, module in ratings
                ],
                "lesson_reports": [
                    {
                        "lesson": lesson.title,
                        "text": report.text,
                        "at": _when(report.created_at),
                    }
                    for report, lesson in reports
                ],
                "surveys": [
                    {
                        "enrollment": response.enrollment_id,
                        "phase": response.phase.value,
                        "answers": response.answers,
                        "at": _when(response.submitted_at),
                    }
                    for response in surveys
                ],
            }
        ),
    }


def _pathway_files(session: DbSession, user: User) -> dict[str, bytes]:
    """Completed pathways, each with its milestone credential when issued."""
    from pdhub.pathways.models import Pathway, PathwayCompletion

    files: dict[str, bytes] = {}
    rows = session.execute(
        select(PathwayCompletion, Pathway)
        .join(Pathway, Pathway.id == PathwayCompletion.pathway_id)
        .where(PathwayCompletion.user_id == user.id)
        .order_by(PathwayCompletion.id)
    ).all()
    files["pathways.json"] = _json(
        [
            {
                "pathway": pathway.name,
                "milestone": pathway.milestone_name,
                "completed_at": _when(completion.completed_at),
                "credential": completion.credential_id,
            }
            for completion, pathway in rows
        ]
    )
    for completion, _pathway in rows:
        if completion.credential_json:
            files[f"credentials/pathway-{completion.id}.json"] = (
                completion.credential_json.encode("utf-8")
            )
    return files


def _more_badge_files(session: DbSession, user: User) -> dict[str, bytes]:
    """Workshop badges, badges from other issuers, reflections written to renew a
    badge, and the copies of badges delivered to a wallet."""
    from pdhub.backpack.models import OutsideBadge
    from pdhub.credentials.models import Renewal
    from pdhub.wallets.models import WalletCredential
    from pdhub.workshops.models import Workshop, WorkshopAward

    files: dict[str, bytes] = {}
    workshops = session.execute(
        select(WorkshopAward, Workshop)
        .join(Workshop, Workshop.id == WorkshopAward.workshop_id)
        .where(WorkshopAward.user_id == user.id)
        .order_by(WorkshopAward.id)
    ).all()
    files["workshop_badges.json"] = _json(
        [
            {
                "workshop": workshop.name,
                "session_date": award.session_date.isoformat(),
                "hours": workshop.hours,
                "credential": award.credential_id,
                "revoked_at": _when(award.revoked_at),
            }
            for award, workshop in workshops
        ]
    )
    for award, _workshop in workshops:
        files[f"credentials/workshop-{award.credential_id}.json"] = (
            award.credential_json.encode("utf-8")
        )
    outside = session.scalars(
        select(OutsideBadge)
        .where(OutsideBadge.user_id == user.id)
        .order_by(OutsideBadge.id)
    ).all()
    files["badges_from_other_issuers.json"] = _json(
        [
            {
                "issuer": badge.issuer_id,
                "issuer_name": badge.issuer_name,
                "achievement": badge.achievement_name,
                "added_via": badge.added_via,
                "checked_at": _when(badge.checked_at),
                "credential": badge.document,
            }
            for badge in outside
        ]
    )
    renewals = session.scalars(
        select(Renewal)
        .join(IssuedCredential, IssuedCredential.id == Renewal.credential_id)
        .where(IssuedCredential.user_id == user.id)
        .order_by(Renewal.id)
    ).all()
    files["badge_renewals.json"] = _json(
        [
            {
                "credential": renewal.credential_id,
                "started_at": _when(renewal.started_at),
                "reflection": renewal.reflection_text,
                "sent_at": _when(renewal.submitted_at),
                "coach_feedback": renewal.feedback,
                "renewed_credential": renewal.renewed_credential_id,
            }
            for renewal in renewals
        ]
    )
    copies = session.scalars(
        select(WalletCredential)
        .where(WalletCredential.user_id == user.id)
        .order_by(WalletCredential.issued_at, WalletCredential.id)
    ).all()
    files["wallet_copies.json"] = _json(
        [
            {
                "credential": copy.id,
                "copy_of": copy.source_credential_id,
                "wallet_did": copy.holder_did,
                "issued_at": _when(copy.issued_at),
            }
            for copy in copies
        ]
    )
    for copy in copies:
        files[f"credentials/wallet-{copy.id}.json"] = copy.credential_json.encode(
            "utf-8"
        )
    return files


def transcript_csv(
    session: DbSession, user: User, owned: list[IssuedCredential]
) -> str:
    """Each completed module: its title, hours, completion date and credential."""
    by_award = {credential.award.enrollment_id: credential for credential in owned}
    rows = []
    for enrollment in session.scalars(
        select(Enrollment)
        .join(Module)
        .where(Enrollment.user_id == user.id, Enrollment.completed_at.is_not(None))
        .order_by(Enrollment.completed_at)
    ):
        credential = by_award.get(enrollment.id)
        rows.append(
            (
                enrollment.module.title,
                enrollment.module.hours,
                _when(enrollment.completed_at),
                credential.id if credential else None,
                "revoked" if credential and credential.revoked_at else None,
            )
        )
    return csv_text(
        [_("Module"), _("Hours"), _("Completed"), _("Credential"), _("Status")], rows
    )


def district_zip(session: DbSession, district: District, actor: User) -> bytes:
    """The district's records: staff, enrollments, submissions (metadata only),
    credentials and the ledger of the current school year."""
    from pdhub.districts import ledger
    from pdhub.districts.assignments import Scope

    people = session.scalars(
        select(User).where(User.district_id == district.id).order_by(User.id)
    ).all()
    ids = [person.id for person in people]
    email = {person.id: person.email for person in people}
    files: dict[str, bytes] = {}
    files["staff.csv"] = csv_text(
        ["id", "name", "email", "role", "school", "created_at", "erased_at"],
        [
            (
                person.id,
                person.name,
                person.email,
                person.role.value,
                person.school.name if person.school else None,
                _when(person.created_at),
                _when(person.erased_at),
            )
            for person in people
        ],
    ).encode()
    enrollments = (
        session.scalars(
            select(Enrollment)
            .where(Enrollment.user_id.in_(ids))
            .order_by(Enrollment.id)
        ).all()
        if ids
        else []
    )
    files["enrollments.csv"] = csv_text(
        ["id", "email", "module", "status", "started_at", "completed_at"],
        [
            (
                e.id,
                email[e.user_id],
                e.module.slug,
                e.status.value,
                _when(e.started_at),
                _when(e.completed_at),
            )
            for e in enrollments
        ],
    ).encode()
    submissions = (
        session.execute(
            select(Submission, Enrollment.user_id, Module.slug)
            .join(Enrollment, Enrollment.id == Submission.enrollment_id)
            .join(Module, Module.id == Enrollment.module_id)
            .where(Enrollment.user_id.in_(ids))
            .order_by(Submission.id)
        ).all()
        if ids
        else []
    )
    files["submissions.csv"] = csv_text(
        ["id", "email", "module", "status", "submitted_at", "evidence_purged_at"],
        [
            (
                s.id,
                email[user_id],
                slug,
                s.status.value,
                _when(s.submitted_at),
                _when(s.evidence_purged_at),
            )
            for s, user_id, slug in submissions
        ],
    ).encode()
    issued = (
        session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.user_id.in_(ids))
            .order_by(IssuedCredential.issued_at)
        ).all()
        if ids
        else []
    )
    files["credentials.csv"] = csv_text(
        ["id", "email", "achievement", "issued_at", "revoked_at", "suspended_at"],
        [
            (
                c.id,
                email[c.user_id],
                c.achievement_id,
                _when(c.issued_at),
                _when(c.revoked_at),
                _when(c.suspended_at),
            )
            for c in issued
        ],
    ).encode()
    found = ledger.district_ledger(session, Scope(district.id))
    if found is not None:
        files["ledger.csv"] = csv_text(
            [
                "school_year",
                "name",
                "email",
                "school",
                "platform_hours",
                "workshop_hours",
                "salary_credit",
                "recertification_credit",
                "external_hours_approved",
                "badges",
            ],
            [
                (
                    found.year_label,
                    line.name,
                    line.email,
                    line.school_name,
                    line.figures.platform_hours,
                    line.figures.workshop_hours,
                    line.figures.salary_credit,
                    line.figures.recertification_credit,
                    line.figures.external_approved,
                    line.figures.badges,
                )
                for line in found.teachers
            ],
        ).encode()
    readme = render_template("accountdata/README_district.txt", district=district)
    return _zip(readme, files)


def _zip(readme: str, files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


# --- the link -------------------------------------------------------------------------


def redeem_link(session: DbSession, user: User, token: str) -> tuple[DataExport, bytes]:
    """The ZIP behind a download link, for its owner only, once, before it expires.

    Raises NotFound (not a link of ours, or someone else's: no hint that it exists),
    LinkUsed or LinkExpired. Marks the link used (flushed; the caller commits).
    """
    try:
        export_id, secret = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound(_("There is no such download.")) from None
    export = session.get(DataExport, export_id, with_for_update=True)
    if (
        export is None
        or export.user_id != user.id
        or export.token_hash is None
        or not secrets.compare_digest(export.token_hash, _hash(str(secret)))
    ):
        raise NotFound(_("There is no such download."))
    if export.used_at is not None:
        raise LinkUsed(_("This link was already used"))
    if export.expires_at is None or export.expires_at <= utcnow():
        raise LinkExpired(_("This link has expired"))
    try:
        content = read_stored(export.storage_key or "")
    except ArtifactUnreadable:
        raise LinkExpired(_("This link has expired")) from None
    export.used_at = utcnow()
    session.flush()
    keys = [export.storage_key] if export.storage_key else []
    export.storage_key = None
    jobs.enqueue(tasks.DELETE_STORED_FILES, keys)
    audit_trail.record(
        session,
        AuditAction.DATA_EXPORT_DOWNLOAD,
        actor=user,
        object_type="data_export",
        object_id=export.id,
        district_id=(
            export.district_id if export.district_id is not None else user.district_id
        ),
        detail={"kind": export.kind.value},
    )
    return export, content


def delete_stored_files(keys: list[str]) -> int:
    """Remove stored files; one already gone counts as removed."""
    store = file_store()
    for key in keys:
        try:
            store.delete(key)
        except ValueError:
            log.warning("not a storage key: %r", key)
    return len(keys)


def expire_old_exports(session: DbSession) -> int:
    """Remove the files of exports whose links expired unused."""
    stale = session.scalars(
        select(DataExport).where(
            DataExport.expires_at < utcnow(), DataExport.storage_key.is_not(None)
        )
    ).all()
    keys = [export.storage_key for export in stale if export.storage_key]
    for export in stale:
        export.storage_key = None
    if keys:
        jobs.enqueue(tasks.DELETE_STORED_FILES, keys)
    session.flush()
    return len(keys)
