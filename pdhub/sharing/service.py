"""Sharing practice: a teacher's badge posted into a community, a passed submission
shared as an exemplar (only the parts the teacher ticks, with their consent recorded
and when), the exemplar library of a module, and withdrawing consent, which removes
an exemplar everywhere at once. Services flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import contains_eager

from pdhub.accounts.models import User
from pdhub.communities import policies as community_policies
from pdhub.communities import service as communities
from pdhub.communities.models import Community, CommunityKind, Post, Thread
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.learning.localized import localized
from pdhub.learning.models import Enrollment, Module
from pdhub.review.models import Decision, Review
from pdhub.sharing.models import Exemplar, ExemplarFile
from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
from pdhub.submissions.states import SubmissionStatus

MAX_NOTE = 2_000

#: What a teacher agrees to before an exemplar is shared; stored, in the words they
#: read, with the time they agreed.
CONSENT = _l(
    "I agree to share the parts I ticked with the members of the community I chose. "
    "I have removed student names, faces and anything else that could identify a "
    "student: that is my responsibility. I can withdraw this at any time."
)


# --- badges ---------------------------------------------------------------------------


def share_badge(
    session: DbSession,
    actor: User,
    credential: IssuedCredential,
    community: Community,
    message: str = "",
) -> Thread:
    """Post ``actor``'s own badge into a community they can see, as a new discussion
    whose card shows the badge and a link to check it. Turns the badge's public page
    on (the link must open for the community). Raises PermissionDenied for someone
    else's badge, Conflict for a revoked or replaced one, NotFound for a community
    ``actor`` can't see."""
    if credential.user_id != actor.id:
        raise PermissionDenied(_("Only the teacher who earned a badge can share it."))
    if credential.revoked_at is not None or credential.replaced_by_id is not None:
        raise Conflict(_("This badge can't be shared: it is no longer current."))
    if not community_policies.can_see(session, actor, community):
        raise NotFound(_("We couldn't find that community."))
    badge = localized(credential.award.module).badge_name
    if not credential.shared:
        credentials.set_shared(session, actor, credential, True)
    thread = communities.start_thread(
        session,
        actor,
        community,
        title=_("Badge earned: %(badge)s", badge=badge),
        body=message.strip() or _("I earned the %(badge)s badge.", badge=badge),
    )
    _opening_post(session, thread).credential_id = credential.id
    session.flush()
    return thread


def _opening_post(session: DbSession, thread: Thread) -> Post:
    post = session.scalar(
        select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True))
    )
    assert post is not None
    return post


# --- exemplars ------------------------------------------------------------------------


@dataclass(frozen=True)
class Passed:
    """A teacher's passed evidence in a module: the version the coach passed."""

    submission: Submission
    version: SubmissionVersion
    review: Review
    module: Module
    artifacts: list[Artifact]


def passed_evidence(session: DbSession, user: User, slug: str) -> Passed | None:
    """``user``'s passed submission in any version of module ``slug``, with the
    version and review that passed it, or None."""
    row = session.execute(
        select(Submission, Review, Module)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(Module, Module.id == Enrollment.module_id)
        .join(Review, Review.submission_id == Submission.id)
        .where(
            Enrollment.user_id == user.id,
            Module.slug == slug,
            Submission.status == SubmissionStatus.PASSED,
            Review.decision == Decision.PASSED,
        )
        .order_by(Review.decided_at.desc(), Review.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    submission, review, module = row
    version = review.version
    artifacts = list(
        session.scalars(
            select(Artifact)
            .where(
                Artifact.id.in_(version.artifact_ids or []),
                Artifact.removed_at.is_(None),
            )
            .order_by(Artifact.id)
        )
    )
    return Passed(submission, version, review, module, artifacts)


def exemplar_communities(session: DbSession, user: User, slug: str) -> list[Community]:
    """Where ``user`` may share an exemplar of ``slug``: the module's community and
    their own district's private community."""
    communities.ensure_communities(session, user)
    return [
        community
        for community in communities.visible_communities(session, user)
        if (community.kind is CommunityKind.MODULE and community.module_slug == slug)
        or (
            community.kind is CommunityKind.DISTRICT
            and community.district_id == user.district_id
        )
    ]


def share_exemplar(
    session: DbSession,
    actor: User,
    slug: str,
    community_id: int,
    *,
    consent: bool,
    context: bool,
    reflection: bool,
    links: bool,
    artifact_ids: list[int],
    note: str = "",
) -> Exemplar:
    """Share the parts ``actor`` chose of their passed evidence in ``slug`` into
    the community ``community_id`` (the module's or their district's), with a
    discussion that links it. Refuses without consent, with nothing chosen, with a
    file that is not part of the passed version, or when this evidence is already
    shared (InvalidInput, Conflict); NotFound when there is no passed evidence."""
    passed = passed_evidence(session, actor, slug)
    if passed is None:
        raise NotFound(_("You have no passed evidence in this module to share."))
    places = exemplar_communities(session, actor, slug)
    community = next((c for c in places if c.id == community_id), None)
    if community is None:
        raise InvalidInput(
            _("Choose this module's community or your district's."), field="community"
        )
    if not consent:
        raise InvalidInput(
            _("Tick the box to agree before you share."), field="consent"
        )
    allowed = {artifact.id for artifact in passed.artifacts}
    chosen = sorted(set(artifact_ids))
    if not set(chosen) <= allowed:
        raise InvalidInput(_("Choose files from your passed evidence."), field="files")
    version = passed.version
    if not (context or reflection or (links and version.links) or chosen):
        raise InvalidInput(_("Choose at least one part to share."), field="parts")
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            _("Keep the note under %(num)d characters.", num=MAX_NOTE), field="note"
        )
    if session.scalar(
        select(Exemplar.id).where(
            Exemplar.submission_id == passed.submission.id,
            Exemplar.withdrawn_at.is_(None),
        )
    ):
        raise Conflict(_("This evidence is already shared as an exemplar."))
    title = localized(passed.module).title
    exemplar = Exemplar(
        author_id=actor.id,
        submission_id=passed.submission.id,
        review_id=passed.review.id,
        module_slug=slug,
        community_id=community.id,
        title=title,
        context_text=version.context_text if context else "",
        reflection_text=version.reflection_text if reflection else "",
        links=list(version.links) if links else [],
        consent_statement=str(CONSENT),
        consented_at=utcnow(),
    )
    session.add(exemplar)
    session.flush()
    session.add_all(
        ExemplarFile(exemplar_id=exemplar.id, artifact_id=artifact_id)
        for artifact_id in chosen
    )
    thread = communities.start_thread(
        session,
        actor,
        community,
        title=_("Exemplar: %(module)s", module=title),
        body=note.strip()
        or _(
            "I shared my passed evidence for %(module)s as an exemplar.", module=title
        ),
    )
    _opening_post(session, thread).exemplar_id = exemplar.id
    session.flush()
    return exemplar


def withdraw(session: DbSession, actor: User, exemplar: Exemplar) -> None:
    """Withdraw consent (the author only): the shared words and files are dropped,
    the exemplar leaves the library, and every post that carried it says it was
    withdrawn, in this one transaction. The consent record stays."""
    if exemplar.author_id != actor.id:
        raise PermissionDenied(
            _("Only the teacher who shared an exemplar can withdraw it.")
        )
    if exemplar.withdrawn_at is not None:
        return
    exemplar.withdrawn_at = utcnow()
    exemplar.context_text = ""
    exemplar.reflection_text = ""
    exemplar.links = []
    session.execute(delete(ExemplarFile).where(ExemplarFile.exemplar_id == exemplar.id))
    notice = _("The author withdrew this exemplar.")
    session.execute(
        update(Post)
        .where(Post.exemplar_id == exemplar.id)
        .values(
            body_markdown=notice,
            body_html=communities.render_markdown(notice),
            search_text="",
            exemplar_id=None,
        )
        .execution_options(synchronize_session="fetch")
    )
    session.flush()


def get_exemplar(
    session: DbSession, user: User, slug: str, exemplar_id: int
) -> Exemplar:
    """A shared exemplar of ``slug`` in a community ``user`` can see; NotFound for a
    missing, withdrawn or unseen one (another district's looks missing)."""
    exemplar = session.scalar(
        select(Exemplar)
        .join(Community, Community.id == Exemplar.community_id)
        .where(
            Exemplar.id == exemplar_id,
            Exemplar.module_slug == slug,
            Exemplar.withdrawn_at.is_(None),
            community_policies.visible_clause(user),
        )
    )
    if exemplar is None:
        raise NotFound(_("We couldn't find that exemplar."))
    return exemplar


def exemplar_file(
    session: DbSession, user: User, slug: str, exemplar_id: int, artifact_id: int
) -> Artifact:
    """A file the teacher chose to show in a shared exemplar ``user`` can see."""
    exemplar = get_exemplar(session, user, slug, exemplar_id)
    artifact = session.scalar(
        select(Artifact)
        .join(ExemplarFile, ExemplarFile.artifact_id == Artifact.id)
        .where(
            ExemplarFile.exemplar_id == exemplar.id,
            Artifact.id == artifact_id,
            Artifact.removed_at.is_(None),
        )
    )
    if artifact is None:
        raise NotFound(_("We couldn't find that file."))
    return artifact


@dataclass
class Entry:
    """One exemplar as the library shows it, with the coach's rubric levels."""

    exemplar: Exemplar
    files: list[Artifact] = field(default_factory=list)
    levels: list[tuple[str, str]] = field(default_factory=list)  # criterion, level


def can_open_library(session: DbSession, user: User, slug: str) -> bool:
    """The library is for who may see the module's community: teachers enrolled in
    the module, coaches and administrators."""
    communities.ensure_communities(session, user)
    community = communities.community_for_module(session, slug)
    return community is not None and community_policies.can_see(
        session, user, community
    )


def _levels(module: Any, review: Review | None) -> list[tuple[str, str]]:
    if review is None:
        return []
    rubric = module.rubric or {}
    names = {level["id"]: level["name"] for level in rubric.get("levels", [])}
    found = []
    for criterion in rubric.get("criteria", []):
        score = (review.scores or {}).get(criterion["id"])
        if isinstance(score, dict) and score.get("level") in names:
            found.append((criterion["name"], names[score["level"]]))
    return found


def library(
    session: DbSession,
    user: User,
    module: Module,
    exemplars: list[Exemplar] | None = None,
) -> list[Entry]:
    """The shared exemplars of ``module``'s slug that ``user`` may see, newest first,
    each with its files and the coach's rubric levels (three queries, whatever the
    number of exemplars)."""
    if exemplars is None:
        exemplars = list(
            session.scalars(
                select(Exemplar)
                .join(Community, Community.id == Exemplar.community_id)
                .outerjoin(Review, Review.id == Exemplar.review_id)
                .join(User, User.id == Exemplar.author_id)
                .options(
                    contains_eager(Exemplar.community),
                    contains_eager(Exemplar.review),
                    contains_eager(Exemplar.author),
                )
                .where(
                    Exemplar.module_slug == module.slug,
                    Exemplar.withdrawn_at.is_(None),
                    community_policies.visible_clause(user),
                )
                .order_by(Exemplar.consented_at.desc(), Exemplar.id.desc())
                .limit(100)
            )
        )
    shown = localized(module)
    entries = {e.id: Entry(e, levels=_levels(shown, e.review)) for e in exemplars}
    if entries:
        for exemplar_id, artifact in session.execute(
            select(ExemplarFile.exemplar_id, Artifact)
            .join(Artifact, Artifact.id == ExemplarFile.artifact_id)
            .where(ExemplarFile.exemplar_id.in_(entries), Artifact.removed_at.is_(None))
            .order_by(Artifact.id)
        ):
            entries[exemplar_id].files.append(artifact)
    return list(entries.values())


def mine(session: DbSession, user: User, slug: str) -> Exemplar | None:
    """``user``'s exemplar of ``slug`` still shared, if any."""
    return session.scalar(
        select(Exemplar).where(
            Exemplar.author_id == user.id,
            Exemplar.module_slug == slug,
            Exemplar.withdrawn_at.is_(None),
        )
    )
