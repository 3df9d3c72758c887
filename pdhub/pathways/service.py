"""Pathways: defining them, each teacher's progress along them, and the milestone
credential a completed pathway earns (recorded once, signed once by a task).

A module step counts when the teacher holds a current credential of that module
(any version; not revoked, suspended or replaced). Completion is checked whenever
one of the teacher's module credentials is issued (``credentials.service`` calls
``check_user``) and, for people who already qualify, when a pathway is defined
(``tasks.CHECK_PATHWAY``). The ``(pathway_id, user_id)`` unique constraint keeps
one completion per teacher, and ``issue_milestone`` locks the row and signs only
when it holds no credential yet, so reruns and racing workers issue it once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from badges.credential import (
    Achievement,
    Alignment,
    Evidence,
    OpenBadgeCredential,
    Recipient,
    StatusEntry,
)
from badges.proofs import sign_document
from pdhub import jobs, tasks
from pdhub.accounts.languages import language_for
from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.backpack import service as backpack
from pdhub.backpack.models import OutsideBadge
from pdhub.credentials import keys, status
from pdhub.credentials import policies as credential_policies
from pdhub.credentials.achievements import achievement_url
from pdhub.credentials.models import Award, IssuedCredential, StatusList
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.learning.localized import badge_name_in, current_language, title_in
from pdhub.learning.models import Module
from pdhub.notifications import service as notifications
from pdhub.pathways import policies
from pdhub.pathways.models import (
    Pathway,
    PathwayCompletion,
    PathwayOutsideStep,
    PathwayStep,
)
from pdhub.trust import service as trust_service

MAX_STEPS = 30


# --- defining ---------------------------------------------------------------------


def module_choices(session: DbSession) -> list[Module]:
    """The current version of every module, by title: what a step may name."""
    return list(
        session.scalars(
            select(Module).where(Module.is_current.is_(True)).order_by(Module.title)
        )
    )


def create_pathway(
    session: DbSession,
    actor: User,
    *,
    name: str,
    description: str,
    milestone_name: str,
    required: Sequence[str],
    electives: Sequence[str],
    electives_required: int,
) -> Pathway:
    """Define a pathway: a district administrator's is their district's; an
    administrator's is the whole platform's. Queues a check of who already
    completed it (``tasks.CHECK_PATHWAY``)."""
    if not policies.can_define(actor):
        raise PermissionDenied(
            _("Only administrators and district administrators define pathways.")
        )
    name, milestone_name = name.strip(), milestone_name.strip()
    if not name:
        raise InvalidInput(_("Give the pathway a name."), field="name")
    if not milestone_name:
        raise InvalidInput(
            _("Name the milestone the pathway earns."), field="milestone_name"
        )
    required = list(dict.fromkeys(required))
    electives = [slug for slug in dict.fromkeys(electives) if slug not in required]
    if not required and not electives:
        raise InvalidInput(_("Choose at least one module."), field="required")
    if len(required) + len(electives) > MAX_STEPS:
        raise InvalidInput(
            _("A pathway has at most %(count)d modules.", count=MAX_STEPS),
            field="required",
        )
    known = set(
        session.scalars(
            select(Module.slug).where(Module.slug.in_([*required, *electives]))
        )
    )
    if set(required) - known:
        raise InvalidInput(_("Choose modules from the list."), field="required")
    if set(electives) - known:
        raise InvalidInput(_("Choose modules from the list."), field="electives")
    if electives_required < 0 or electives_required > len(electives):
        raise InvalidInput(
            _(
                "The number of electives needed must be between 0 and the number of "
                "electives chosen (%(count)d).",
                count=len(electives),
            ),
            field="electives_required",
        )
    if not required and electives_required == 0:
        raise InvalidInput(
            _("With no required module, at least one elective must be needed."),
            field="electives_required",
        )
    # An administrator's pathway is the whole platform's.
    district_id = actor.district_id if actor.role is Role.DISTRICT_ADMIN else None
    pathway = Pathway(
        district_id=district_id,
        name=name,
        description=description.strip(),
        milestone_name=milestone_name,
        electives_required=electives_required,
        created_by_id=actor.id,
        steps=[
            PathwayStep(module_slug=slug, required=True, position=position)
            for position, slug in enumerate(required)
        ]
        + [
            PathwayStep(module_slug=slug, required=False, position=len(required) + i)
            for i, slug in enumerate(electives)
        ],
    )
    session.add(pathway)
    session.flush()
    jobs.enqueue(tasks.CHECK_PATHWAY, pathway.id)
    return pathway


MAX_IDENTIFIER = 500


def add_outside_elective(
    session: DbSession,
    actor: User,
    pathway: Pathway,
    *,
    issuer_id: str,
    achievement_id: str,
    name: str,
    electives_required: int | None = None,
) -> PathwayOutsideStep:
    """Let a badge of a trusted issuer count as an elective of ``pathway``: the
    issuer must be on the trust list the pathway's teachers are judged by (the
    district's or the platform's; not PD Hub itself, whose badges are modules).
    Queues a check of who now completes the pathway."""
    if not policies.can_change(actor, pathway):
        raise PermissionDenied(_("You can't change this pathway."))
    issuer_id, achievement_id, name = (
        issuer_id.strip(),
        achievement_id.strip(),
        name.strip(),
    )
    match = trust_service.trust_list(session, pathway.district_id).lookup(issuer_id)
    if match is None or match.source == trust_service.OWN:
        raise InvalidInput(
            _("Choose an issuer from your district's list of trusted issuers."),
            field="issuer_id",
        )
    if not achievement_id or len(achievement_id) > MAX_IDENTIFIER:
        raise InvalidInput(
            _(
                'Give the achievement\'s identifier (its "id" in the badge, up to '
                "%(count)d characters).",
                count=MAX_IDENTIFIER,
            ),
            field="achievement_id",
        )
    if not name or len(name) > 200:
        raise InvalidInput(
            _("Give the badge a name of up to 200 characters."), field="name"
        )
    if len(pathway.steps) + len(pathway.outside_steps) >= MAX_STEPS:
        raise InvalidInput(
            _("A pathway has at most %(count)d modules.", count=MAX_STEPS),
            field="achievement_id",
        )
    if any(
        step.issuer_id == issuer_id and step.achievement_id == achievement_id
        for step in pathway.outside_steps
    ):
        raise InvalidInput(
            _("This badge already counts as an elective of this pathway."),
            field="achievement_id",
        )
    electives = sum(not step.required for step in pathway.steps) + len(
        pathway.outside_steps
    )
    if electives_required is not None:
        if not 0 <= electives_required <= electives + 1:
            raise InvalidInput(
                _(
                    "The number of electives needed must be between 0 and the number "
                    "of electives (%(count)d).",
                    count=electives + 1,
                ),
                field="electives_required",
            )
        if electives_required == 0 and not any(s.required for s in pathway.steps):
            raise InvalidInput(
                _("With no required module, at least one elective must be needed."),
                field="electives_required",
            )
        pathway.electives_required = electives_required
    step = PathwayOutsideStep(
        pathway_id=pathway.id,
        issuer_id=issuer_id,
        achievement_id=achievement_id,
        name=name,
    )
    pathway.outside_steps.append(step)
    session.flush()
    jobs.enqueue(tasks.CHECK_PATHWAY, pathway.id)
    return step


def outside_issuer_choices(
    session: DbSession, pathway: Pathway
) -> list[tuple[str, str]]:
    """(identifier, name) of the issuers an outside elective may name."""
    trust = trust_service.trust_list(session, pathway.district_id)
    found = {
        match.identifier: match.name
        for match in [*trust.exact.values(), *trust.hosts.values()]
        if match.source != trust_service.OWN
    }
    return sorted(found.items(), key=lambda item: item[1].lower())


def get_pathway(session: DbSession, user: User, pathway_id: int) -> Pathway:
    """The pathway if ``user`` may see it; another district's is NotFound."""
    pathway = session.get(Pathway, pathway_id)
    if pathway is None or not policies.can_see(user, pathway):
        raise NotFound(_("No pathway has that number."))
    return pathway


def visible_pathways(session: DbSession, user: User) -> list[Pathway]:
    query = (
        select(Pathway)
        .options(selectinload(Pathway.steps), selectinload(Pathway.outside_steps))
        .order_by(Pathway.name, Pathway.id)
    )
    if user.role is not Role.ADMIN:
        query = query.where(
            Pathway.district_id.is_(None) | (Pathway.district_id == user.district_id)
        )
    return list(session.scalars(query))


# --- progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slug: str
    required: bool
    title: str
    badge_name: str
    module: Module | None
    credential: IssuedCredential | None
    #: An elective earned elsewhere: the badge the teacher holds (counted only when
    #: its issuer is trusted), and the step's issuer.
    outside: OutsideBadge | None = None
    issuer_id: str | None = None
    issuer_trusted: bool = False

    @property
    def done(self) -> bool:
        return self.credential is not None or (
            self.outside is not None and self.issuer_trusted
        )


@dataclass(frozen=True)
class Progress:
    pathway: Pathway
    steps: list[Step]
    completion: PathwayCompletion | None

    @property
    def required(self) -> list[Step]:
        return [step for step in self.steps if step.required]

    @property
    def electives(self) -> list[Step]:
        return [step for step in self.steps if not step.required]

    @property
    def electives_done(self) -> int:
        return sum(step.done for step in self.electives)

    @property
    def required_done(self) -> int:
        return sum(step.done for step in self.required)

    @property
    def needed(self) -> int:
        """Steps still to earn: the required ones left and the electives short."""
        short = max(0, self.pathway.electives_required - self.electives_done)
        return len(self.required) - self.required_done + short

    @property
    def complete(self) -> bool:
        return self.needed == 0

    @property
    def counted(self) -> list[Step]:
        """The earned steps the milestone stands on: every required one, and the
        electives earned (all of them, in the pathway's order)."""
        return [step for step in self.steps if step.done]


def _current_modules(session: DbSession, slugs: Sequence[str]) -> dict[str, Module]:
    return {
        module.slug: module
        for module in session.scalars(
            select(Module).where(Module.slug.in_(slugs), Module.is_current.is_(True))
        )
    }


def _earned(
    session: DbSession, user_ids: Sequence[int], slugs: Sequence[str]
) -> dict[tuple[int, str], IssuedCredential]:
    """Each (teacher, module slug)'s current credential, the oldest one first."""
    rows = session.execute(
        select(IssuedCredential, Module.slug)
        .join(Award, Award.id == IssuedCredential.award_id)
        .join(Module, Module.id == Award.module_id)
        .options(joinedload(IssuedCredential.award).joinedload(Award.module))
        .where(
            IssuedCredential.user_id.in_(user_ids),
            Module.slug.in_(slugs),
            IssuedCredential.replaced_by_id.is_(None),
            IssuedCredential.revoked_at.is_(None),
            IssuedCredential.suspended_at.is_(None),
        )
        .order_by(IssuedCredential.issued_at, IssuedCredential.id)
    ).all()
    found: dict[tuple[int, str], IssuedCredential] = {}
    for credential, slug in rows:
        found.setdefault((credential.user_id, slug), credential)
    return found


def progress(
    session: DbSession,
    user: User,
    pathways: Sequence[Pathway],
    language: str | None = None,
) -> list[Progress]:
    """``user``'s progress along each pathway, in a fixed number of queries."""
    language = language or current_language()
    slugs = sorted({step.module_slug for p in pathways for step in p.steps})
    modules = _current_modules(session, slugs)
    earned = _earned(session, [user.id], slugs)
    completions = {
        c.pathway_id: c
        for c in session.scalars(
            select(PathwayCompletion).where(
                PathwayCompletion.user_id == user.id,
                PathwayCompletion.pathway_id.in_([p.id for p in pathways]),
            )
        )
    }
    outside_issuers = sorted(
        {step.issuer_id for p in pathways for step in p.outside_steps}
    )
    held = backpack.held(session, [user.id], outside_issuers)
    trust_lists: dict[int | None, trust_service.TrustList] = {}
    result = []
    for pathway in pathways:
        steps = []
        for step in pathway.steps:
            module = modules.get(step.module_slug)
            steps.append(
                Step(
                    slug=step.module_slug,
                    required=step.required,
                    title=title_in(module, language) if module else step.module_slug,
                    badge_name=badge_name_in(module, language)
                    if module
                    else step.module_slug,
                    module=module,
                    credential=earned.get((user.id, step.module_slug)),
                )
            )
        if pathway.outside_steps and pathway.district_id not in trust_lists:
            trust_lists[pathway.district_id] = trust_service.trust_list(
                session, pathway.district_id
            )
        for outside in pathway.outside_steps:
            match = trust_lists[pathway.district_id].lookup(outside.issuer_id)
            steps.append(
                Step(
                    slug=f"outside-{outside.id}",
                    required=False,
                    title=outside.name,
                    badge_name=outside.name,
                    module=None,
                    credential=None,
                    outside=held.get(
                        (user.id, outside.issuer_id, outside.achievement_id)
                    ),
                    issuer_id=outside.issuer_id,
                    issuer_trusted=match is not None
                    and match.source != trust_service.OWN,
                )
            )
        result.append(Progress(pathway, steps, completions.get(pathway.id)))
    return result


# --- completing -------------------------------------------------------------------


def _record(
    session: DbSession, pathway: Pathway, user: User
) -> PathwayCompletion | None:
    """Record the completion once and queue its credential; None if it was there."""
    exists = session.scalar(
        select(PathwayCompletion.id).where(
            PathwayCompletion.pathway_id == pathway.id,
            PathwayCompletion.user_id == user.id,
        )
    )
    if exists is not None:
        return None
    completion = PathwayCompletion(pathway_id=pathway.id, user_id=user.id)
    try:
        with session.begin_nested():
            session.add(completion)
            session.flush()
    except IntegrityError:
        return None  # recorded at the same moment by another worker
    jobs.enqueue(tasks.ISSUE_PATHWAY_CREDENTIAL, completion.id)
    return completion


def check_user(session: DbSession, user: User) -> list[PathwayCompletion]:
    """Record every pathway ``user`` has now completed (once each)."""
    if user.role is Role.ADMIN:
        return []
    # Two badges issued at the same moment by two workers: each would miss the
    # other's uncommitted credential. Holding the teacher's row makes the second
    # wait for the first to commit, then see both.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    pathways = visible_pathways(session, user)
    recorded = []
    for item in progress(session, user, pathways):
        if item.complete and item.completion is None:
            completion = _record(session, item.pathway, user)
            if completion is not None:
                recorded.append(completion)
    return recorded


def check_pathway(session: DbSession, pathway_id: int) -> int:
    """Record the completion of everyone who already completed a (new) pathway."""
    pathway = session.get(Pathway, pathway_id)
    if pathway is None:
        return 0
    slugs = [step.module_slug for step in pathway.steps]
    query = (
        select(User)
        .join(IssuedCredential, IssuedCredential.user_id == User.id)
        .join(Award, Award.id == IssuedCredential.award_id)
        .join(Module, Module.id == Award.module_id)
        .where(Module.slug.in_(slugs), IssuedCredential.revoked_at.is_(None))
        .distinct()
    )
    holders = (
        select(User)
        .join(OutsideBadge, OutsideBadge.user_id == User.id)
        .where(
            or_(
                false(),
                *(
                    and_(
                        OutsideBadge.issuer_id == step.issuer_id,
                        OutsideBadge.achievement_id == step.achievement_id,
                    )
                    for step in pathway.outside_steps
                ),
            )
        )
    )
    if pathway.district_id is not None:
        query = query.where(User.district_id == pathway.district_id)
        holders = holders.where(User.district_id == pathway.district_id)
    people = {user.id: user for user in session.scalars(query)}
    if pathway.outside_steps:
        people.update((user.id, user) for user in session.scalars(holders.distinct()))
    recorded = 0
    for user in sorted(people.values(), key=lambda u: u.id):
        [item] = progress(session, user, [pathway])
        if item.complete and item.completion is None:
            recorded += _record(session, pathway, user) is not None
    return recorded


def milestone_url(pathway: Pathway) -> str:
    """The milestone Achievement's id: the pathway's page."""
    return f"{keys.base_url()}/pathways/{pathway.id}"


def _criteria(item: Progress) -> str:
    pathway = item.pathway
    lines = [
        _(
            "The educator earned the Open Badges of the modules of the "
            "%(pathway)s pathway:",
            pathway=pathway.name,
        )
    ]
    for step in item.required:
        lines.append("- " + _("Required: %(badge)s", badge=step.badge_name))
    if item.electives:
        lines.append(
            _(
                "and %(needed)d of these %(total)d electives:",
                needed=pathway.electives_required,
                total=len(item.electives),
            )
        )
        for step in item.electives:
            lines.append("- " + _("Elective: %(badge)s", badge=step.badge_name))
    return "\n".join(lines)


def _achievement(item: Progress) -> Achievement:
    pathway = item.pathway
    return Achievement(
        id=milestone_url(pathway),
        name=pathway.milestone_name,
        description=pathway.description
        or _("Earned by completing the %(pathway)s pathway.", pathway=pathway.name),
        criteria_narrative=_criteria(item),
        achievement_type="Certificate",
        # The achievements the milestone stands on (every step of the pathway).
        alignments=tuple(
            Alignment(
                target_name=step.badge_name,
                target_url=achievement_url(step.module),
                target_type="ceterms:Credential",
                target_description=_("Required") if step.required else _("Elective"),
            )
            for step in item.steps
            if step.module is not None
        )
        + tuple(
            Alignment(
                target_name=step.badge_name,
                target_url=step.issuer_id or "",
                target_type="ceterms:Credential",
                target_description=_("Elective earned elsewhere"),
            )
            for step in item.steps
            if step.issuer_id is not None
        ),
    )


def _evidence(item: Progress) -> tuple[Evidence, ...]:
    """The teacher's own credentials the milestone stands on, each by its page."""
    evidence = []
    for step in item.counted:
        credential = step.credential
        if credential is None:
            assert step.outside is not None
            evidence.append(
                Evidence(
                    id=step.outside.credential_key
                    if ":" in step.outside.credential_key
                    and not step.outside.credential_key.startswith("sha256:")
                    else None,
                    name=step.badge_name,
                    narrative=_(
                        "Open Badges credential from %(issuer)s for the achievement "
                        "%(achievement)s, verified by PD Hub on %(date)s.",
                        issuer=step.outside.issuer_id,
                        achievement=step.outside.achievement_id,
                        date=step.outside.checked_at.date().isoformat(),
                    ),
                )
            )
            continue
        evidence.append(
            Evidence(
                id=f"{keys.base_url()}/credentials/{credential.id}",
                name=step.badge_name,
                narrative=_(
                    "Open Badges credential urn:uuid:%(credential)s for the "
                    "achievement %(achievement)s, issued on %(date)s.",
                    credential=credential.id,
                    achievement=credential.achievement_id,
                    date=credential.issued_at.date().isoformat(),
                ),
            )
        )
    return tuple(evidence)


def issue_milestone(session: DbSession, completion_id: int) -> PathwayCompletion | None:
    """Sign the completion's milestone credential unless it has one; return it.

    The completion row is locked and re-checked, so a redelivered or racing task
    issues it once. None for an unknown completion or an address not confirmed yet.
    """
    completion = session.get(PathwayCompletion, completion_id, with_for_update=True)
    if completion is None:
        return None
    if completion.credential_json is not None:
        return completion
    user = completion.user
    if not user.email_verified:
        return None
    language = language_for(user)
    with force_locale(language):
        [item] = progress(session, user, [completion.pathway], language)
        signer = keys.signer_for(keys.current_key(session))
        status_list, index = status.allocate(session, signer)
        now = utcnow().replace(microsecond=0)
        credential_id = str(uuid.uuid4())
        achievement = _achievement(item)
        unsigned = OpenBadgeCredential(
            issuer=keys.issuer_profile(signer.issuer_id),
            achievement=achievement,
            recipient=Recipient.from_email(user.email),
            valid_from=now,
            id=f"urn:uuid:{credential_id}",
            name=achievement.name,
            description=achievement.description,
            awarded_date=completion.completed_at.replace(microsecond=0),
            evidence=_evidence(item),
            credits_earned=sum(
                step.module.hours for step in item.counted if step.module is not None
            )
            or None,
            status=StatusEntry(
                status.list_url(status_list), index, status_list.purpose.value
            ),
        ).to_json()
    signed = sign_document(
        unsigned, signer.pair, signer.verification_method, created=now
    )
    completion.credential_id = credential_id
    completion.credential_json = json.dumps(
        signed, ensure_ascii=False, separators=(",", ":")
    )
    completion.issuer_key_id = signer.key.id
    completion.revocation_list_id = status_list.id
    completion.revocation_index = index
    completion.issued_at = now
    session.flush()
    audit.record(
        session,
        AuditAction.CREDENTIAL_ISSUE,
        subject=user,
        object_type="milestone",
        object_id=credential_id,
    )
    notifications.tell(session, _told(completion))
    return completion


def _told(completion: PathwayCompletion) -> notifications.Message:
    pathway = completion.pathway
    link = f"/pathways/{pathway.id}"
    return notifications.Message(
        key=f"milestone-issued-{completion.id}",
        to=completion.user,
        text=_l(
            "You completed the %(pathway)s pathway and earned the %(milestone)s "
            "credential.",
            pathway=pathway.name,
            milestone=pathway.milestone_name,
        ),
        link=link,
        subject=_l(
            "You earned the %(milestone)s credential", milestone=pathway.milestone_name
        ),
        template="milestone_issued",
        context={
            "user": completion.user,
            "pathway_name": pathway.name,
            "milestone_name": pathway.milestone_name,
            "link": notifications.absolute_link(link),
        },
    )


def completion_of(
    session: DbSession, user: User, pathway: Pathway
) -> PathwayCompletion | None:
    return session.scalar(
        select(PathwayCompletion).where(
            PathwayCompletion.pathway_id == pathway.id,
            PathwayCompletion.user_id == user.id,
        )
    )


def district_of(session: DbSession, pathway: Pathway) -> District | None:
    return session.get(District, pathway.district_id) if pathway.district_id else None


def milestone_document(completion: PathwayCompletion) -> dict[str, Any]:
    document = completion.document
    if document is None:
        raise NotFound(_("This milestone credential is not issued yet."))
    return document


# --- the teacher's milestones, and revoking one -----------------------------------


def milestones_of(session: DbSession, user: User) -> list[PathwayCompletion]:
    """The milestone credentials issued to ``user``, newest first."""
    return list(
        session.scalars(
            select(PathwayCompletion)
            .options(joinedload(PathwayCompletion.pathway))
            .where(
                PathwayCompletion.user_id == user.id,
                PathwayCompletion.credential_json.is_not(None),
            )
            .order_by(PathwayCompletion.issued_at.desc(), PathwayCompletion.id.desc())
        )
    )


def list_milestones(
    session: DbSession, email: str | None = None, limit: int = 200
) -> list[PathwayCompletion]:
    """Issued milestone credentials (optionally one person's), newest first."""
    query = (
        select(PathwayCompletion)
        .join(User, User.id == PathwayCompletion.user_id)
        .options(
            joinedload(PathwayCompletion.pathway), joinedload(PathwayCompletion.user)
        )
        .where(PathwayCompletion.credential_json.is_not(None))
        .order_by(PathwayCompletion.issued_at.desc(), PathwayCompletion.id.desc())
        .limit(limit)
    )
    if email:
        query = query.where(User.email == email.strip().lower())
    return list(session.scalars(query))


def get_milestone(session: DbSession, completion_id: int) -> PathwayCompletion:
    found = session.get(PathwayCompletion, completion_id)
    if found is None or found.credential_json is None:
        raise NotFound(_("That milestone credential does not exist."))
    return found


def revoke_milestone(
    session: DbSession,
    actor: User | None,
    completion: PathwayCompletion,
    reason: str,
) -> PathwayCompletion:
    """Revoke a milestone credential for good, as a module credential is: set its
    status bit and re-sign the list; the reason is public. ``actor`` None is the
    command line. Raises PermissionDenied, InvalidInput or Conflict."""
    if actor is not None and not credential_policies.can_manage_credentials(actor):
        raise PermissionDenied(
            _("Only platform administrators can change credentials.")
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Give a public reason."), field="reason")
    if len(reason) > 500:
        raise InvalidInput(_("Keep the reason under 500 characters."), field="reason")
    if completion.revoked_at is not None:
        raise Conflict(_("This credential is already revoked."))
    if completion.revocation_list_id is None or completion.revocation_index is None:
        raise NotFound(_("That milestone credential does not exist."))
    status_list = session.get(StatusList, completion.revocation_list_id)
    assert status_list is not None
    status.set_bit(session, status_list, completion.revocation_index, True)
    completion.revoked_at = utcnow()
    completion.revocation_reason = reason
    session.flush()
    audit.record(
        session,
        AuditAction.CREDENTIAL_REVOKE,
        actor=actor,
        subject=completion.user,
        object_type="milestone",
        object_id=completion.credential_id,
    )
    return completion
