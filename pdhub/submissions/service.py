"""Evidence rules: the teacher's draft (text, links, files), the checklist of what is
still missing, and submitting a snapshot for review."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from sqlalchemy import select

from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.learning.models import Enrollment
from pdhub.learning.service import progress
from pdhub.learning.texts import _l, ngettext
from pdhub.learning.texts import gettext as _
from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
from pdhub.submissions.states import SubmissionStatus, check_transition, move
from pdhub.submissions.storage import (
    TYPES_IN_WORDS,
    FileStore,
    refusal,
    sniff_media_type,
)

MAX_TEXT_CHARS = 20_000
MAX_LINKS = 20
MAX_FILES = 20
MAX_URL_CHARS = 2000
MAX_LINK_TITLE_CHARS = 200


def word_count(text: str) -> int:
    """Words as teachers count them (``don't`` and ``well-being`` are one word); the
    evidence page's script (static/autosave.js) counts the same way as you type, and
    screening counts with this function."""
    return len(re.findall(r"\w+(?:['’-]\w+)*", text))


def _owned(actor: User, submission: Submission) -> None:
    if submission.enrollment.user_id != actor.id:
        raise PermissionDenied(
            _("Only the teacher who wrote this evidence can change it.")
        )


def _editable(submission: Submission) -> None:
    if not submission.status.editable:
        raise Conflict(
            _(
                "Your evidence is %(status)s, so it can't be changed now.",
                status=submission.status.label.lower(),
            )
        )


def get_or_create_draft(
    session: DbSession, actor: User, enrollment: Enrollment
) -> Submission:
    """The enrollment's submission, created as an empty draft the first time."""
    if enrollment.user_id != actor.id:
        raise NotFound(_("There is no evidence at this address."))
    submission = session.scalar(
        select(Submission).where(Submission.enrollment_id == enrollment.id)
    )
    if submission is None:
        submission = Submission(enrollment_id=enrollment.id, links=[])
        session.add(submission)
        session.flush()
    return submission


def save_text(
    session: DbSession,
    actor: User,
    submission: Submission,
    *,
    context: str,
    reflection: str,
) -> None:
    """Save the two written parts of the draft as they are (no minimums yet)."""
    _owned(actor, submission)
    _editable(submission)
    for field, value in (("context", context), ("reflection", reflection)):
        if len(value) > MAX_TEXT_CHARS:
            raise InvalidInput(
                _(
                    "This is %(length)s characters long; the limit is %(limit)s. "
                    "Please shorten it.",
                    length=format(len(value), ","),
                    limit=format(MAX_TEXT_CHARS, ","),
                ),
                field=field,
            )
    submission.context_text = context.replace("\r\n", "\n")
    submission.reflection_text = reflection.replace("\r\n", "\n")
    submission.draft_saved_at = utcnow()
    session.flush()


def set_share_in_badge(
    session: DbSession, actor: User, submission: Submission, share: bool
) -> None:
    """Record whether the badge may carry the evidence links (URL and title only)."""
    _owned(actor, submission)
    _editable(submission)
    if submission.share_evidence_in_badge != share:
        submission.share_evidence_in_badge = share
        submission.draft_saved_at = utcnow()
    session.flush()


def add_link(
    session: DbSession, actor: User, submission: Submission, *, url: str, title: str
) -> None:
    """Add an http(s) link to the evidence; InvalidInput(field="link_url") otherwise."""
    _owned(actor, submission)
    _editable(submission)
    url, title = url.strip(), " ".join(title.split())
    parts = urlsplit(url)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.netloc
        or len(url) > MAX_URL_CHARS
    ):
        raise InvalidInput(
            _("Enter a web address that starts with https:// or http://."),
            field="link_url",
        )
    # The rule screening applies, so a link saved here is never refused there.
    # (Imported here: the graders read this module.)
    from pdhub.review.graders import link_problem_text

    problem = link_problem_text(url)
    if problem is not None:
        raise InvalidInput(problem.translated(), field="link_url")
    if len(title) > MAX_LINK_TITLE_CHARS:
        raise InvalidInput(
            _(
                "Keep the title under %(limit)d characters.",
                limit=MAX_LINK_TITLE_CHARS,
            ),
            field="link_title",
        )
    if len(submission.links) >= MAX_LINKS:
        raise InvalidInput(
            _("You can add up to %(limit)d links.", limit=MAX_LINKS),
            field="link_url",
        )
    if any(link["url"] == url for link in submission.links):
        raise InvalidInput(
            _("This link is already in your evidence."), field="link_url"
        )
    # A new list, so SQLAlchemy sees the JSON column change.
    submission.links = [*submission.links, {"url": url, "title": title or url}]
    submission.draft_saved_at = utcnow()
    session.flush()


def remove_link(
    session: DbSession, actor: User, submission: Submission, index: int
) -> None:
    _owned(actor, submission)
    _editable(submission)
    if not 0 <= index < len(submission.links):
        raise InvalidInput(_("That link is no longer in your evidence."), field="links")
    submission.links = [link for i, link in enumerate(submission.links) if i != index]
    submission.draft_saved_at = utcnow()
    session.flush()


def safe_filename(name: str) -> str:
    """The last path part of an uploaded name, without control, format (right-to-left
    override, zero-width) or quote characters, leading dots, or more than 200
    characters (the extension kept)."""
    base = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch)[0] != "C" and ch not in '"<>'
    )
    base = PurePath(base.replace("\\", "/")).name.strip().lstrip(". ")
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            base = stem[: 199 - len(extension)].rstrip() + "." + extension
        else:
            base = base[:200]
    return base or "file"


def add_file(
    session: DbSession,
    actor: User,
    submission: Submission,
    store: FileStore,
    *,
    filename: str,
    content: bytes,
    max_bytes: int,
) -> Artifact:
    """Store an uploaded evidence file encrypted; its type is decided from the bytes.

    Raises InvalidInput(field="upload") for an empty, too large or unsupported file.
    """
    _owned(actor, submission)
    _editable(submission)
    if not content:
        raise InvalidInput(
            _("The file is empty. Please choose another one."), field="upload"
        )
    if len(content) > max_bytes:
        raise InvalidInput(
            _(
                "The file is %(size)s MB; the limit is %(limit)d MB. "
                "Please choose a smaller file.",
                size=format(len(content) / 1048576, ".1f"),
                limit=max_bytes // 1048576,
            ),
            field="upload",
        )
    problem = refusal(content, filename)
    if problem is not None:
        raise InvalidInput(problem, field="upload")
    media_type = sniff_media_type(content)
    if media_type is None:
        raise InvalidInput(
            _(
                "%(name)s isn't a file type we accept (we check what is inside the "
                "file, not its name). Upload %(types)s.",
                name=safe_filename(filename),
                types=_(TYPES_IN_WORDS),
            ),
            field="upload",
        )
    if len(submission.artifacts) >= MAX_FILES:
        raise InvalidInput(
            _("You can upload up to %(limit)d files.", limit=MAX_FILES),
            field="upload",
        )
    artifact = Artifact(
        submission_id=submission.id,
        filename=safe_filename(filename),
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage_key=store.save(content),
    )
    session.add(artifact)
    submission.draft_saved_at = utcnow()
    session.flush()
    session.expire(submission, ["artifacts"])
    return artifact


def remove_file(
    session: DbSession, actor: User, submission: Submission, artifact_id: int
) -> None:
    """Hide a file from the draft; submitted versions that used it keep it."""
    _owned(actor, submission)
    _editable(submission)
    artifact = session.get(Artifact, artifact_id)
    if (
        artifact is None
        or artifact.submission_id != submission.id
        or artifact.removed_at
    ):
        raise InvalidInput(
            _("That file is no longer in your evidence."), field="upload"
        )
    artifact.removed_at = utcnow()
    session.flush()
    session.expire(submission, ["artifacts"])


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    detail: str
    required: bool = True  # needed before the evidence can be submitted
    minimum: int | None = None  # for the written parts: the words needed


def checklist(session: DbSession, submission: Submission) -> list[ChecklistItem]:
    """What the evidence still needs, part by part, plus the knowledge check."""
    evidence = submission.enrollment.module.evidence
    items = []
    for key, label in (
        ("context", _l("Your context")),
        ("reflection", _l("Your reflection")),
    ):
        minimum = int(evidence[key]["min_words"])
        words = word_count(getattr(submission, f"{key}_text"))
        items.append(
            ChecklistItem(
                key,
                _(label),
                words >= minimum,
                ngettext(
                    "%(words)s of at least %(num)s word",
                    "%(words)s of at least %(num)s words",
                    minimum,
                    words=words,
                )
                if words < minimum
                else ngettext("%(num)s word", "%(num)s words", words),
                minimum=minimum,
            )
        )
    minimum_items = int(evidence["artifacts"]["min_items"])
    count = len(submission.artifacts) + len(submission.links)
    items.append(
        ChecklistItem(
            "artifacts",
            _("Files and links from your classroom"),
            count >= minimum_items,
            _("%(count)d of at least %(needed)d", count=count, needed=minimum_items)
            if count < minimum_items
            else _("%(count)d added", count=count),
        )
    )
    passed = progress(session, submission.enrollment).quiz_passed
    items.append(
        ChecklistItem(
            "quiz",
            _("Knowledge check"),
            passed,
            _("passed")
            if passed
            else _("not passed yet (needed for the badge, not to submit)"),
            required=False,
        )
    )
    return items


def submit(
    session: DbSession, actor: User, submission: Submission
) -> SubmissionVersion:
    """Snapshot the draft as a new SubmissionVersion and mark it SUBMITTED.

    Refuses (InvalidInput) a draft the checklist says is incomplete and (Conflict) a
    submission whose state does not allow submitting. Queues screening
    (``tasks.SCREEN_SUBMISSION``), which runs after the commit.
    """
    _owned(actor, submission)
    check_transition(submission.status, SubmissionStatus.SUBMITTED)
    missing = [
        item
        for item in checklist(session, submission)
        if item.required and not item.done
    ]
    if missing:
        raise InvalidInput(
            _(
                "Your evidence isn't complete yet: %(missing)s.",
                missing="; ".join(
                    f"{item.label.lower()} ({item.detail})" for item in missing
                ),
            )
        )
    now = utcnow()
    version = SubmissionVersion(
        submission_id=submission.id,
        number=len(submission.versions) + 1,
        context_text=submission.context_text,
        reflection_text=submission.reflection_text,
        links=list(submission.links),
        artifact_ids=[artifact.id for artifact in submission.artifacts],
        submitted_at=now,
    )
    session.add(version)
    move(submission, SubmissionStatus.SUBMITTED)
    submission.submitted_at = now
    submission.enrollment.last_activity_at = now
    session.flush()
    session.expire(submission, ["versions"])
    # Screened by a task after commit (review/screening.py): a rolled-back submit
    # is never screened.
    jobs.enqueue(tasks.SCREEN_SUBMISSION, version.id)
    return version


def version_artifacts(session: DbSession, version: SubmissionVersion) -> list[Artifact]:
    if not version.artifact_ids:
        return []
    return list(
        session.scalars(
            select(Artifact)
            .where(Artifact.id.in_(version.artifact_ids))
            .order_by(Artifact.uploaded_at)
        )
    )
