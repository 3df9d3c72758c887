"""A teacher's pathway milestone credentials are on My badges with their status,
and a platform administrator revokes one as any credential: its status bit is set
(verifiers see it), the teacher sees it revoked, others cannot."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.dids import Resolver
from badges.verify import verify_credential
from pdhub.credentials import service as credentials
from pdhub.pathways import service
from pdhub.pathways.models import PathwayCompletion
from tests.factories import AwardFactory, DistrictFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text


def _fetcher(client: FlaskClient) -> Any:
    def fetch(url: str) -> bytes:
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, url
        return response.get_data()

    return fetch


@pytest.fixture
def milestone(session: Session) -> PathwayCompletion:
    district = DistrictFactory()
    teacher = UserFactory(district=district, name="Maya Teacher")
    admin = UserFactory(district=district, district_admin=True)
    module = ModuleFactory(title="Equity basics")
    service.create_pathway(
        session,
        admin,
        name="Equity leadership",
        description="",
        milestone_name="Digital Equity Leader",
        required=[module.slug],
        electives=[],
        electives_required=0,
    )
    session.commit()
    award = AwardFactory(enrollment__user=teacher, enrollment__module=module)
    assert credentials.issue_credential(session, award.id) is not None
    session.commit()  # the milestone's issuing job runs after the commit
    found = session.scalars(select(PathwayCompletion)).one()
    assert found.credential_json is not None
    return found


def test_my_badges_lists_the_milestone_and_shows_it_revoked_after_an_admin_revokes(
    session: Session, client: FlaskClient, milestone: PathwayCompletion
) -> None:
    teacher = milestone.user
    sign_in(client, teacher)
    page = text(client.get("/badges"))
    assert "Pathway milestones" in page
    assert "Digital Equity Leader" in page
    assert "completing the Equity leadership pathway" in page
    assert f"/pathways/{milestone.pathway_id}/credential.json" in page
    client.post("/signout")

    admin = UserFactory(admin=True)
    session.commit()
    sign_in(client, admin)
    listing = text(client.get(f"/admin/credentials?email={teacher.email}"))
    assert "Digital Equity Leader" in listing
    url = f"/pathways/milestones/{milestone.id}/revoke"
    refused = client.post(url, data={"reason": "  "})
    assert refused.status_code == 422
    assert "Give a public reason." in text(refused)
    assert client.post(url, data={"reason": "Issued in error."}).status_code == 303
    assert "Revoked on" in text(client.get(url))
    again = client.post(url, data={"reason": "Twice."})
    assert again.status_code == 422  # already revoked
    client.post("/signout")

    report = verify_credential(
        milestone.credential_json,
        resolver=Resolver(),
        status_fetcher=_fetcher(client),
    )
    assert not report.verified
    assert report.check("proof").passed and not report.check("status").passed

    sign_in(client, teacher)
    page = text(client.get("/badges"))
    assert "Revoked" in page and "Issued in error." in page


def test_only_platform_admins_revoke_milestones(
    session: Session, client: FlaskClient, milestone: PathwayCompletion
) -> None:
    url = f"/pathways/milestones/{milestone.id}/revoke"
    for person in (
        milestone.user,
        UserFactory(district_admin=True, district=milestone.user.district),
    ):
        session.commit()
        sign_in(client, person)
        assert client.post(url, data={"reason": "No."}).status_code == 403
        client.post("/signout")
    session.refresh(milestone)
    assert milestone.revoked_at is None
    admin = UserFactory(admin=True)
    session.commit()
    sign_in(client, admin)
    assert client.get("/pathways/milestones/987654/revoke").status_code == 404
