"""A district administrator endorses a module's achievement: a signed OB 3.0
EndorsementCredential served at /endorsements/<id>, valid against the official
schema, verified by PD Hub's verifier, shown on the achievement document and on
every credential page of that module; withdrawing it revokes it and hides it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.dids import Resolver
from badges.schema import ENDORSEMENT_CREDENTIAL_SCHEMA, schema_errors
from badges.verify import verify_credential
from pdhub.credentials import achievements
from pdhub.credentials import service as credentials
from pdhub.endorsements.models import Endorsement
from tests.factories import AwardFactory, DistrictFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text

COMMENT = "Approved for salary credit in Riverside."


def _fetcher(client: FlaskClient) -> Any:
    def fetch(url: str) -> bytes:
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, url
        return response.get_data()

    return fetch


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    district = DistrictFactory(name="Riverside Unified")
    admin = UserFactory(district=district, district_admin=True)
    module = ModuleFactory(title="Checking sources")
    teacher = UserFactory(name="Maya Teacher")  # of another district: it is public
    award = AwardFactory(enrollment__user=teacher, enrollment__module=module)
    credential = credentials.issue_credential(session, award.id)
    assert credential is not None
    credential.shared = True
    session.commit()
    return {
        "district": district,
        "admin": admin,
        "module": module,
        "credential": credential,
    }


def _endorse(client: FlaskClient, module_id: int, comment: str = COMMENT) -> Any:
    return client.post(
        "/district/endorsements", data={"module": str(module_id), "comment": comment}
    )


def test_a_district_endorses_a_module_and_every_badge_of_it_shows_it(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    module, credential = world["module"], world["credential"]
    sign_in(client, world["admin"])
    page = text(client.get("/district/endorsements"))
    assert "Checking sources" in page
    assert "Your district has not endorsed any module yet." in page
    assert "/district/endorsements" in text(client.get("/district/credit"))

    response = _endorse(client, module.id)
    assert response.status_code == 303
    page = text(client.get("/district/endorsements"))
    assert COMMENT in page and "Withdraw the endorsement of Checking sources" in page

    endorsement = session.scalars(select(Endorsement)).one()
    served = client.get(f"/endorsements/{endorsement.id}")
    assert served.status_code == 200
    assert served.mimetype == "application/vc+ld+json"
    document = served.get_json()
    assert document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert document["issuer"]["name"] == "Riverside Unified"
    assert "on the district's behalf" in document["issuer"]["description"]
    subject = document["credentialSubject"]
    assert subject == {
        "id": achievements.achievement_url(module),
        "type": ["EndorsementSubject"],
        "endorsementComment": COMMENT,
    }
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    assert schema_errors(unsigned, ENDORSEMENT_CREDENTIAL_SCHEMA) == []
    report = verify_credential(
        json.dumps(document), resolver=Resolver(), status_fetcher=_fetcher(client)
    )
    assert report.verified, report.to_json()

    # Pasted into /verify, it is checked like any credential (no error page).
    checked = client.post("/verify", data={"credential": json.dumps(document)})
    assert checked.status_code == 200, checked.status_code
    assert "Every check passed" in text(checked)
    assert "matches the official Open Badges 3.0 EndorsementCredential schema" in text(
        checked
    )

    # The achievement document carries it; the teacher's credential page shows it.
    client.post("/signout")
    key = achievements.achievement_key(module)
    achievement = client.get(f"/achievements/{key}").get_json()
    assert achievement["endorsement"] == [document]
    badge = text(client.get(f"/credentials/{credential.id}"))
    assert f"Endorsed by Riverside Unified: {COMMENT}" in badge
    spanish = client.get(
        f"/credentials/{credential.id}", headers={"Accept-Language": "es-MX,es;q=0.9"}
    )
    assert f"Respaldado por Riverside Unified: {COMMENT}" in text(spanish)


def test_withdrawing_revokes_the_endorsement_and_hides_it(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    module, credential = world["module"], world["credential"]
    sign_in(client, world["admin"])
    assert _endorse(client, module.id).status_code == 303
    endorsement = session.scalars(select(Endorsement)).one()
    response = client.post(f"/district/endorsements/{endorsement.id}/withdraw")
    assert response.status_code == 303
    page = text(client.get("/district/endorsements"))
    assert "The endorsement is withdrawn" in page
    assert "Withdraw the endorsement of Checking sources" not in page

    document = client.get(f"/endorsements/{endorsement.id}").get_json()
    report = verify_credential(
        json.dumps(document), resolver=Resolver(), status_fetcher=_fetcher(client)
    )
    assert not report.verified
    assert not report.check("status").passed
    assert report.check("proof").passed
    key = achievements.achievement_key(module)
    assert "endorsement" not in client.get(f"/achievements/{key}").get_json()
    assert "Endorsed by Riverside Unified" not in text(
        client.get(f"/credentials/{credential.id}")
    )
    # Once withdrawn, the district may endorse the module again.
    assert _endorse(client, module.id, "Counts for recertification.").status_code == 303


def test_the_form_refuses_an_empty_comment_and_a_second_endorsement(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    module = world["module"]
    sign_in(client, world["admin"])
    refused = _endorse(client, module.id, "   ")
    assert refused.status_code == 422
    assert "Say what the endorsement means." in text(refused)
    refused = _endorse(client, 987654)
    assert refused.status_code == 422
    assert _endorse(client, module.id).status_code == 303
    again = _endorse(client, module.id)
    assert again.status_code == 422
    assert "already endorses Checking sources" in text(again)
    assert len(session.scalars(select(Endorsement)).all()) == 1


def test_another_districts_admin_cannot_withdraw_it_and_teachers_cannot_endorse(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["admin"])
    assert _endorse(client, world["module"].id).status_code == 303
    endorsement = session.scalars(select(Endorsement)).one()
    client.post("/signout")

    other = UserFactory(district=DistrictFactory(), district_admin=True)
    session.commit()
    sign_in(client, other)
    response = client.post(f"/district/endorsements/{endorsement.id}/withdraw")
    assert response.status_code == 404
    assert client.post("/district/endorsements/not-a-uuid/withdraw").status_code == 404
    assert COMMENT not in text(client.get("/district/endorsements"))
    session.refresh(endorsement)
    assert endorsement.withdrawn_at is None
    client.post("/signout")

    sign_in(client, UserFactory(district=world["district"]))
    assert client.get("/district/endorsements").status_code == 403
    assert _endorse(client, world["module"].id).status_code == 403
    assert client.get("/endorsements/not-a-uuid").status_code == 404
