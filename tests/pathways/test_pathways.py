"""Pathways: a district defines required and elective modules; a teacher's progress
shows on /pathways; earning the last badge issues the milestone credential once,
listing the credentials it stands on, valid against the official OB 3.0 schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges.dids import Resolver
from badges.schema import schema_errors
from badges.verify import verify_credential
from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential, StatusList
from pdhub.learning.models import Module
from pdhub.notifications.models import Notification
from pdhub.pathways import service
from pdhub.pathways.models import Pathway, PathwayCompletion
from tests.factories import AwardFactory, DistrictFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text


def _fetcher(client: FlaskClient) -> Any:
    def fetch(url: str) -> bytes:
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, url
        return response.get_data()

    return fetch


def _earn(teacher: User, module: Module, session: Session) -> IssuedCredential:
    award = AwardFactory(enrollment__user=teacher, enrollment__module=module)
    credential = credentials.issue_credential(session, award.id)
    assert credential is not None
    return credential


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    district = DistrictFactory()
    teacher = UserFactory(district=district, name="Maya Teacher")
    admin = UserFactory(district=district, district_admin=True)
    required = ModuleFactory(title="Equity basics", hours=2.0)
    electives = [ModuleFactory(title=f"Elective {n}", hours=1.5) for n in (1, 2, 3)]
    pathway = service.create_pathway(
        session,
        admin,
        name="Equity leadership",
        description="Lead digital equity in your school.",
        milestone_name="Digital Equity Leader",
        required=[required.slug],
        electives=[m.slug for m in electives],
        electives_required=2,
    )
    session.commit()
    return {
        "district": district,
        "teacher": teacher,
        "admin": admin,
        "required": required,
        "electives": electives,
        "pathway": pathway,
    }


def _completions(session: Session) -> int:
    return session.scalar(select(func.count(PathwayCompletion.id))) or 0


def test_the_last_badge_issues_the_milestone_once_listing_what_it_stands_on(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    teacher, pathway = world["teacher"], world["pathway"]
    first = _earn(teacher, world["required"], session)
    second = _earn(teacher, world["electives"][0], session)
    session.commit()
    assert _completions(session) == 0  # one elective short
    third = _earn(teacher, world["electives"][1], session)
    session.commit()  # the completion's issuing job runs after the commit
    completion = session.scalar(select(PathwayCompletion))
    assert completion is not None and completion.credential_json is not None
    document = json.loads(completion.credential_json)
    assert schema_errors(document) == []
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Digital Equity Leader"
    assert achievement["id"] == f"http://localhost/pathways/{pathway.id}"
    # The achievement aligns to every module of the pathway ...
    assert len(achievement["alignment"]) == 4
    assert {a["targetType"] for a in achievement["alignment"]} == {"ceterms:Credential"}
    # ... and the credential's evidence is the teacher's own three badges.
    assert [e["id"] for e in document["evidence"]] == [
        f"http://localhost/credentials/{c.id}" for c in (first, second, third)
    ]
    assert document["credentialSubject"]["creditsEarned"] == 5.0
    report = verify_credential(
        completion.credential_json,
        resolver=Resolver(),
        status_fetcher=_fetcher(client),
    )
    assert report.verified, report.to_json()
    told = session.scalars(
        select(Notification.message).where(Notification.user_id == teacher.id)
    ).all()
    assert any("Digital Equity Leader" in message for message in told)

    # A fourth badge, a rerun of the task: still one milestone, the same one.
    _earn(teacher, world["electives"][2], session)
    session.commit()
    again = jobs.task(tasks.ISSUE_PATHWAY_CREDENTIAL).apply(args=[completion.id]).get()
    assert again == completion.credential_id
    assert _completions(session) == 1
    # The database itself refuses a second completion.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(PathwayCompletion(pathway_id=pathway.id, user_id=teacher.id))
        session.flush()


def test_the_milestone_takes_its_own_status_index(
    session: Session, world: dict[str, Any]
) -> None:
    teacher = world["teacher"]
    for module in [world["required"], *world["electives"][:2]]:
        _earn(teacher, module, session)
    session.commit()
    completion = session.scalar(select(PathwayCompletion))
    assert completion is not None and completion.revocation_list_id is not None
    used = session.scalars(
        select(IssuedCredential.revocation_index).where(
            IssuedCredential.revocation_list_id == completion.revocation_list_id
        )
    ).all()
    assert completion.revocation_index not in used
    assert session.get(StatusList, completion.revocation_list_id) is not None


def test_a_pathway_defined_after_the_badges_were_earned_completes_by_its_check(
    session: Session,
) -> None:
    district = DistrictFactory()
    teacher = UserFactory(district=district)
    modules = [ModuleFactory(), ModuleFactory()]
    for module in modules:
        _earn(teacher, module, session)
    session.commit()
    service.create_pathway(
        session,
        UserFactory(district=district, district_admin=True),
        name="Late pathway",
        description="",
        milestone_name="Late milestone",
        required=[m.slug for m in modules],
        electives=[],
        electives_required=0,
    )
    session.commit()  # tasks.CHECK_PATHWAY, then the issuing, run after commit
    completion = session.scalar(select(PathwayCompletion))
    assert completion is not None and completion.user_id == teacher.id
    assert completion.credential_json is not None


def test_a_revoked_badge_does_not_count(
    session: Session, world: dict[str, Any]
) -> None:
    teacher = world["teacher"]
    _earn(teacher, world["required"], session)
    revoked = _earn(teacher, world["electives"][0], session)
    credentials.revoke_credential(
        session, UserFactory(admin=True), revoked, "Issued in error"
    )
    _earn(teacher, world["electives"][1], session)
    session.commit()
    assert _completions(session) == 0
    [item] = service.progress(session, teacher, [world["pathway"]])
    assert item.needed == 1 and item.electives_done == 1


def test_the_teacher_sees_their_progress_and_downloads_the_milestone(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    teacher, pathway = world["teacher"], world["pathway"]
    _earn(teacher, world["required"], session)
    _earn(teacher, world["electives"][0], session)
    session.commit()
    sign_in(client, teacher)
    page = text(client.get("/pathways"))
    assert "Equity leadership" in page and "One badge to go." in page
    page = text(client.get(f"/pathways/{pathway.id}"))
    assert "Required modules: 1 of 1 earned." in page
    assert "Electives: 1 of the 2 needed." in page
    assert client.get(f"/pathways/{pathway.id}/credential.json").status_code == 404
    _earn(teacher, world["electives"][2], session)
    session.commit()
    page = text(client.get(f"/pathways/{pathway.id}"))
    assert "You completed this pathway" in page
    response = client.get(f"/pathways/{pathway.id}/credential.json")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["credentialSubject"]["achievement"]["name"] == (
        "Digital Equity Leader"
    )


def test_a_district_admin_defines_a_pathway_with_a_form_that_checks_it(
    session: Session, client: FlaskClient
) -> None:
    admin = UserFactory(district_admin=True)
    modules = [ModuleFactory(title="Alpha module"), ModuleFactory(title="Beta module")]
    sign_in(client, admin)
    form = text(client.get("/pathways/new"))
    assert "Alpha module" in form and "Beta module" in form
    data = {
        "name": "Two step",
        "milestone_name": "Two stepper",
        "required": [modules[0].slug],
        "electives": [modules[1].slug],
        "electives_required": "2",
    }
    refused = client.post("/pathways/new", data=data)
    assert refused.status_code == 422
    assert "between 0 and the number of electives chosen (1)" in text(refused)
    data["electives_required"] = "1"
    response = client.post("/pathways/new", data=data)
    assert response.status_code == 303
    pathway = session.scalar(select(Pathway).where(Pathway.name == "Two step"))
    assert pathway is not None and pathway.district_id == admin.district_id
    assert [(s.module_slug, s.required) for s in pathway.steps] == [
        (modules[0].slug, True),
        (modules[1].slug, False),
    ]


def test_who_may_see_and_define_pathways_by_direct_url(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    pathway = world["pathway"]
    other = UserFactory()  # a teacher of another district
    sign_in(client, other)
    assert client.get(f"/pathways/{pathway.id}").status_code == 404
    assert client.get(f"/pathways/{pathway.id}/credential.json").status_code == 404
    assert "Equity leadership" not in text(client.get("/pathways"))
    assert client.get("/pathways/new").status_code == 403
    assert client.post("/pathways/new", data={}).status_code == 403
    client.post("/signout")
    # A coach of the district sees it; a platform administrator sees every one.
    sign_in(client, UserFactory(district=world["district"], coach=True))
    assert client.get(f"/pathways/{pathway.id}").status_code == 200
    assert client.get("/pathways/new").status_code == 403
    client.post("/signout")
    sign_in(client, UserFactory(admin=True))
    assert client.get(f"/pathways/{pathway.id}").status_code == 200
    assert client.get("/pathways/new").status_code == 200
    assert client.get("/pathways/987654").status_code == 404


def test_the_clr_transcript_carries_the_milestone_beside_the_badges(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    from badges.clr import embedded_credentials

    teacher = world["teacher"]
    for module in (world["required"], *world["electives"][:2]):
        _earn(teacher, module, session)
    session.commit()
    completion = session.scalar(select(PathwayCompletion))
    assert completion is not None and completion.credential_id is not None
    sign_in(client, teacher)
    response = client.get("/transcript.clr.json")
    assert response.status_code == 200
    inside = [c["id"] for c in embedded_credentials(json.loads(response.data))]
    assert len(inside) == 4
    assert f"urn:uuid:{completion.credential_id}" in inside
