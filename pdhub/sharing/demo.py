"""Demo sharing for ``pdhub demo``: the demo teacher's passed evidence shared as an
exemplar (with consent), her badge shared into her district's community, and a daily
digest choice, made with the same service functions people use."""

from __future__ import annotations

from sqlalchemy import exists, select

from pdhub.accounts.models import User
from pdhub.communities import digest
from pdhub.communities.models import CommunityKind
from pdhub.credentials import service as credentials
from pdhub.credentials.models import Award
from pdhub.db import DbSession
from pdhub.sharing import service
from pdhub.sharing.models import Exemplar

TEACHER = "teacher@riverside.example.org"


def seed(session: DbSession, slug: str) -> None:
    """Once: an exemplar of ``slug`` in its module community, the badge of ``slug``
    in the district community, and a daily digest for the demo teacher."""
    if session.scalar(select(exists().where(Exemplar.id.is_not(None)))):
        return
    maya = session.scalar(select(User).where(User.email == TEACHER))
    if maya is None:
        return
    passed = service.passed_evidence(session, maya, slug)
    places = service.exemplar_communities(session, maya, slug)
    module_place = next((c for c in places if c.kind is CommunityKind.MODULE), None)
    district = next((c for c in places if c.kind is CommunityKind.DISTRICT), None)
    if passed is None or module_place is None:
        return
    service.share_exemplar(
        session, maya, slug, module_place.id, consent=True,
        context=True, reflection=True, links=True,
        artifact_ids=[artifact.id for artifact in passed.artifacts],
        note="My source-checking lesson, with the exit tickets. Names removed.",
    )  # fmt: skip
    award = session.scalar(select(Award).where(Award.user_id == maya.id))
    if award is not None and district is not None:
        # Issued now rather than by its job after the commit, so the post has it.
        credential = credentials.issue_credential(session, award.id)
        if credential is not None:
            service.share_badge(
                session, maya, credential, district, "My first PD Hub badge!"
            )
    digest.set_frequency(session, maya, "daily")
    session.flush()
