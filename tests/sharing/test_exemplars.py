"""Sharing practice through the pages people use: a badge into a community, a
passed submission as an exemplar (chosen parts, consent recorded), the module's
library, withdrawal, and who may open what by direct URL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.communities.models import Community, CommunityKind, Post, Thread
from pdhub.credentials import service as credentials
from pdhub.db import utcnow
from pdhub.learning.models import EnrollmentStatus
from pdhub.sharing import service
from pdhub.sharing.models import Exemplar
from tests.communities.conftest import SignedIn, World, community_of
from tests.factories import AwardFactory, EnrollmentFactory
from tests.helpers import text
from tests.sharing.conftest import Evidence, teacher_enrollments

LIBRARY = "/modules/ai-classroom/exemplars"


def _share(session: Session, world: World, evidence: Evidence, kind: str) -> Exemplar:
    place = community_of(session, world.teacher, kind)
    exemplar = service.share_exemplar(
        session, world.teacher, "ai-classroom", place.id, consent=True,
        context=True, reflection=False, links=True, artifact_ids=[evidence.plan.id],
    )  # fmt: skip
    session.flush()
    return exemplar


def test_a_teacher_shares_the_parts_she_chooses_and_her_consent_is_recorded(
    session: Session, world: World, evidence: Evidence, signed_in: SignedIn
) -> None:
    client = signed_in(world.teacher)
    form = text(client.get(f"{LIBRARY}/new"))
    assert "Removing anything that identifies a student is your responsibility" in form
    module_community = community_of(session, world.teacher, "module")
    choice = {
        "community": module_community.id,
        "context": "y",
        "files": [evidence.plan.id],
        "note": "How I ran laptop stations.",
    }
    refused = client.post(f"{LIBRARY}/new", data=choice)
    assert refused.status_code == 422
    assert "Tick the box to agree" in text(refused)
    assert session.scalar(select(Exemplar.id)) is None
    shared = client.post(f"{LIBRARY}/new", data={**choice, "consent": "y"})
    assert shared.status_code == 303
    exemplar = session.scalar(select(Exemplar))
    assert exemplar is not None and exemplar.consented_at is not None
    assert "my responsibility" in exemplar.consent_statement
    assert exemplar.reflection_text == "" and exemplar.links == []
    # A colleague enrolled in the module reads it in the library, rubric beside it.
    colleague = signed_in(world.colleague)
    library = text(colleague.get(LIBRARY))
    assert "Exemplar by Maya Lopez" in library
    assert "Twenty-four seventh graders" in library and "Exemplary" in library
    page = text(colleague.get(f"{LIBRARY}/{exemplar.id}"))
    assert "station-plan.pdf" in page and "class-photo.png" not in page
    assert "Rotating stations" not in page  # the reflection was not chosen
    base = f"{LIBRARY}/{exemplar.id}/files"
    assert colleague.get(f"{base}/{evidence.plan.id}").status_code == 200
    assert colleague.get(f"{base}/{evidence.photo.id}").status_code == 404
    # The discussion that announced it links the exemplar.
    thread = session.scalar(
        select(Thread).where(Thread.community_id == module_community.id)
    )
    assert thread is not None
    page = text(
        colleague.get(f"/communities/{module_community.id}/threads/{thread.id}")
    )
    assert "How I ran laptop stations." in page
    assert f"{LIBRARY}/{exemplar.id}" in page


def test_withdrawing_consent_removes_the_exemplar_everywhere_at_once(
    session: Session, world: World, evidence: Evidence, signed_in: SignedIn
) -> None:
    exemplar = _share(session, world, evidence, "module")
    colleague = signed_in(world.colleague)
    file_url = f"{LIBRARY}/{exemplar.id}/files/{evidence.plan.id}"
    assert colleague.get(file_url).status_code == 200
    post = session.scalar(select(Post).where(Post.exemplar_id == exemplar.id))
    assert post is not None
    thread_url = f"/communities/{exemplar.community_id}/threads/{post.thread_id}"
    # Only the author can withdraw it.
    assert colleague.post(f"{LIBRARY}/{exemplar.id}/withdraw").status_code == 404
    teacher = signed_in(world.teacher)
    response = teacher.post(f"{LIBRARY}/{exemplar.id}/withdraw")
    assert response.status_code == 303
    for client in (colleague, teacher):
        assert client.get(f"{LIBRARY}/{exemplar.id}").status_code == 404
        assert client.get(file_url).status_code == 404
        assert "Exemplar by" not in text(client.get(LIBRARY))
    page = text(colleague.get(thread_url))
    assert "The author withdrew this exemplar." in page
    assert f"{LIBRARY}/{exemplar.id}" not in page
    session.refresh(exemplar)
    assert exemplar.withdrawn_at is not None and exemplar.context_text == ""
    assert exemplar.consented_at is not None  # the record of consent stays


def test_another_districts_exemplar_and_its_files_answer_404(
    session: Session, world: World, evidence: Evidence, signed_in: SignedIn
) -> None:
    exemplar = _share(session, world, evidence, "district")
    page = f"{LIBRARY}/{exemplar.id}"
    file_url = f"{page}/files/{evidence.plan.id}"
    # The other district's teacher is enrolled in the same module.
    outsider = signed_in(world.outsider)
    assert outsider.get(LIBRARY).status_code == 200
    assert "Exemplar by" not in text(outsider.get(LIBRARY))
    assert outsider.get(page).status_code == 404
    assert outsider.get(file_url).status_code == 404
    assert outsider.post(f"{page}/withdraw").status_code == 404
    # Her own district's colleague sees it.
    colleague = signed_in(world.colleague)
    assert "Exemplar by Maya Lopez" in text(colleague.get(LIBRARY))
    assert colleague.get(file_url).status_code == 200


def test_the_library_is_for_people_of_the_module_and_unknown_ids_answer_404(
    session: Session, world: World, evidence: Evidence, signed_in: SignedIn
) -> None:
    exemplar = _share(session, world, evidence, "module")
    # A teacher not enrolled in the module, and a district administrator.
    stranger = EnrollmentFactory().user
    stranger.district_id = world.district.id
    session.flush()
    for user in (stranger, world.district_admin):
        client = signed_in(user)
        assert client.get(LIBRARY).status_code == 404, user.role
        assert client.get(f"{LIBRARY}/{exemplar.id}").status_code == 404
    coach = signed_in(world.coach)
    assert "Exemplar by Maya Lopez" in text(coach.get(LIBRARY))
    assert coach.get(f"{LIBRARY}/{exemplar.id + 1000}").status_code == 404
    assert coach.get("/modules/no-such-module/exemplars").status_code == 404
    # Someone without passed evidence has no share form.
    assert signed_in(world.colleague).get(f"{LIBRARY}/new").status_code == 404


def test_a_teacher_shares_her_badge_into_a_community_she_belongs_to(
    session: Session, world: World, signed_in: SignedIn
) -> None:
    (enrollment,) = teacher_enrollments(session, world.teacher)
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = utcnow()
    award = AwardFactory(enrollment=enrollment)
    credential = credentials.issue_credential(session, award.id)
    assert credential is not None and not credential.shared
    session.flush()
    district = community_of(session, world.teacher, "district")
    client = signed_in(world.teacher)
    url = f"/badges/{credential.id}/community"
    form = text(client.get(url))
    assert "Riverside" in form and "Lakeside" not in form
    # Another district's community is refused, even by id.
    lakeside = community_of(session, world.outsider, "district")
    refused = client.post(url, data={"community": lakeside.id})
    assert refused.status_code == 422
    assert session.scalar(select(Post).where(Post.credential_id.is_not(None))) is None
    response = client.post(
        url, data={"community": district.id, "message": "Proud of this one!"}
    )
    assert response.status_code == 303
    session.refresh(credential)
    assert credential.shared  # the link in the post opens for the community
    thread = session.scalar(select(Thread).where(Thread.community_id == district.id))
    assert thread is not None
    page = text(
        signed_in(world.colleague).get(
            f"/communities/{district.id}/threads/{thread.id}"
        )
    )
    assert "Proud of this one!" in page
    assert world.module.badge_name in page
    assert f"/modules/{world.module.slug}/badge" in page
    assert credentials.verify_url(credential).split("?", 1)[1] in page.replace(
        "&amp;", "&"
    )
    # Nobody else can share her badge.
    assert signed_in(world.colleague).get(url).status_code == 404


def test_module_and_district_communities_are_the_only_places_for_an_exemplar(
    session: Session, world: World, evidence: Evidence
) -> None:
    places = service.exemplar_communities(session, world.teacher, "ai-classroom")
    assert sorted(c.kind for c in places) == [
        CommunityKind.DISTRICT,
        CommunityKind.MODULE,
    ]
    topic = session.scalar(
        select(Community).where(Community.kind == CommunityKind.TOPIC)
    )
    assert topic is None
