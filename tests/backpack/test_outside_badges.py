"""Badges from other issuers: a teacher adds one (checked by our verifier: genuine,
in good standing, issued to their email), a connected system adds one through the
OB 3.0 API's upsertCredential, and a pathway counts one as an elective when the
district trusts its issuer. The other issuer here is a real did:key that signs a
real credential (the same content our issuing makes, re-signed and re-named)."""

from __future__ import annotations

import copy
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges.keys import Ed25519KeyPair
from badges.proofs import sign_document
from badges.schema import schema_errors
from pdhub.accounts.models import User
from pdhub.backpack.models import OutsideBadge
from pdhub.credentials import service as credentials
from pdhub.pathways import service as pathways
from pdhub.pathways.models import PathwayCompletion
from tests.factories import AwardFactory, DistrictFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text
from tests.obapi.test_api import (
    BASE,
    READ,
    _bearer,
    _consent,
    _pkce,
    _register,
    _token,
)

UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
ACHIEVEMENT = "https://northside.example.org/achievements/coaching-cycles"


@pytest.fixture
def northside() -> Ed25519KeyPair:
    return Ed25519KeyPair.generate()


def _outside_badge(
    session: Session, teacher: User, key: Ed25519KeyPair, **changes: Any
) -> dict[str, Any]:
    """A credential of the Northside Co-op (``key``) for ``teacher``'s email: a
    PD Hub credential's content under another issuer, achievement and id."""
    award = AwardFactory(enrollment__user=teacher)
    issued = credentials.issue_credential(session, award.id)
    assert issued is not None
    document = copy.deepcopy(issued.document)
    for name in ("proof", "credentialStatus"):
        document.pop(name, None)
    document["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["issuer"] = {
        "id": key.did_key,
        "type": ["Profile"],
        "name": "Northside Learning Co-op",
    }
    achievement = document["credentialSubject"]["achievement"]
    achievement["id"] = changes.get("achievement_id", ACHIEVEMENT)
    achievement["name"] = changes.get("name", "Coaching cycles")
    achievement.pop("image", None)
    achievement["creator"] = document["issuer"]
    # PD Hub's own credential is revoked: this one is another issuer's.
    session.delete(issued)
    session.flush()
    return sign_document(
        document,
        key,
        key.did_key_verification_method,
        created=datetime.now(UTC).replace(microsecond=0),
    )


@pytest.fixture
def teacher(session: Session) -> User:
    return UserFactory(name="Maya Lopez")


def _add(client: FlaskClient, document: dict[str, Any] | str) -> Any:
    body = document if isinstance(document, str) else json.dumps(document)
    return client.post("/badges/elsewhere", data={"credential": body})


def _count(session: Session) -> int:
    return session.scalar(select(func.count(OutsideBadge.id))) or 0


def test_a_teacher_adds_a_badge_from_another_issuer_once(
    session: Session, client: FlaskClient, teacher: User, northside: Ed25519KeyPair
) -> None:
    document = _outside_badge(session, teacher, northside)
    session.commit()
    sign_in(client, teacher)
    response = _add(client, document)
    assert response.status_code == 303, text(response)[:3000]
    page = text(client.get("/badges/elsewhere"))
    assert "“Coaching cycles” is in your records." in page
    assert "Issued by Northside Learning Co-op" in page
    assert northside.did_key in page
    # The same credential again (a file as well as text) replaces, never duplicates.
    again = _add(client, document)
    assert again.status_code == 303
    assert "already in your records" in text(client.get("/badges/elsewhere"))
    assert _count(session) == 1
    # My badges leads there.
    assert "/badges/elsewhere" in text(client.get("/badges"))


def test_a_badge_for_someone_else_a_tampered_one_and_our_own_are_refused(
    session: Session, client: FlaskClient, teacher: User, northside: Ed25519KeyPair
) -> None:
    someone = UserFactory(email="someone.else@example.org")
    theirs = _outside_badge(session, someone, northside)
    mine = _outside_badge(session, teacher, northside)
    tampered = copy.deepcopy(mine)
    tampered["credentialSubject"]["achievement"]["name"] = "Superintendent"
    own = credentials.issue_credential(
        session, AwardFactory(enrollment__user=teacher).id
    )
    assert own is not None
    session.commit()
    sign_in(client, teacher)

    response = _add(client, theirs)
    assert response.status_code == 422
    assert "was not issued to your email address" in text(response)
    response = _add(client, tampered)
    assert response.status_code == 422
    assert "did not pass our checks" in text(response)
    response = _add(client, own.document)
    assert response.status_code == 422
    assert "it is already under My badges" in text(response)
    response = _add(client, "not a badge at all")
    assert response.status_code == 422
    assert "This is not an Open Badges credential" in text(response)
    response = client.post("/badges/elsewhere", data={})
    assert response.status_code == 422
    assert "Upload the badge file or paste the credential" in text(response)
    assert _count(session) == 0


def test_nobody_else_sees_or_removes_a_teachers_outside_badge(
    session: Session, client: FlaskClient, teacher: User, northside: Ed25519KeyPair
) -> None:
    document = _outside_badge(session, teacher, northside)
    session.commit()
    sign_in(client, teacher)
    assert _add(client, document).status_code == 303
    badge = session.scalar(select(OutsideBadge))
    assert badge is not None
    client.post("/signout")

    other = UserFactory(district=DistrictFactory())
    sign_in(client, other)
    assert "Coaching cycles" not in text(client.get("/badges/elsewhere"))
    assert client.post(f"/badges/elsewhere/{badge.id}/remove").status_code == 404
    client.post("/signout")
    assert _count(session) == 1

    sign_in(client, teacher)
    assert client.post(f"/badges/elsewhere/{badge.id}/remove").status_code == 303
    assert _count(session) == 0


def _world(session: Session) -> dict[str, Any]:
    district = DistrictFactory()
    admin = UserFactory(district=district, district_admin=True)
    teacher = UserFactory(district=district, name="Maya Lopez")
    required = ModuleFactory(title="Equity basics")
    pathway = pathways.create_pathway(
        session,
        admin,
        name="Coaching leadership",
        description="",
        milestone_name="Coaching Leader",
        required=[required.slug],
        electives=[],
        electives_required=0,
    )
    session.commit()
    return {
        "admin": admin,
        "teacher": teacher,
        "required": required,
        "pathway": pathway,
    }


def test_a_pathway_counts_a_trusted_issuers_badge_as_an_elective(
    session: Session, client: FlaskClient, northside: Ed25519KeyPair
) -> None:
    world = _world(session)
    teacher, pathway = world["teacher"], world["pathway"]
    form = {
        "outside-issuer_id": northside.did_key,
        "outside-achievement_id": ACHIEVEMENT,
        "outside-name": "Coaching cycles (Northside)",
        "outside-electives_required": "1",
    }
    sign_in(client, world["admin"])
    # Not trusted yet: refused, and the page says where to add it.
    page = text(client.get(f"/pathways/{pathway.id}"))
    assert "Your district trusts no other issuer yet" in page
    refused = client.post(f"/pathways/{pathway.id}/outside-electives", data=form)
    assert refused.status_code == 422
    assert "Choose an issuer from your district's list of trusted issuers" in text(
        refused
    )
    listed = client.post(
        "/district/trust",
        data={"identifier": northside.did_key, "name": "Northside Co-op"},
    )
    assert listed.status_code == 303
    added = client.post(f"/pathways/{pathway.id}/outside-electives", data=form)
    assert added.status_code == 303, text(added)[:3000]
    client.post("/signout")

    pathways_required = world["required"]
    credentials.issue_credential(
        session,
        AwardFactory(enrollment__user=teacher, enrollment__module=pathways_required).id,
    )
    document = _outside_badge(session, teacher, northside)
    session.commit()
    assert session.scalar(select(func.count(PathwayCompletion.id))) == 0
    sign_in(client, teacher)
    before = text(client.get(f"/pathways/{pathway.id}"))
    assert "Coaching cycles (Northside)" in before
    assert "Add it to your records" in before
    assert _add(client, document).status_code == 303
    completion = session.scalar(select(PathwayCompletion))
    assert completion is not None and completion.credential_json is not None
    milestone = json.loads(completion.credential_json)
    assert schema_errors(milestone) == []
    assert any(
        northside.did_key in e["narrative"] and e["id"] == document["id"]
        for e in milestone["evidence"]
    )
    assert "You completed this pathway" in text(client.get(f"/pathways/{pathway.id}"))


def test_an_untrusted_issuers_badge_does_not_count(
    session: Session, client: FlaskClient, northside: Ed25519KeyPair
) -> None:
    world = _world(session)
    teacher, pathway = world["teacher"], world["pathway"]
    sign_in(client, world["admin"])
    client.post(
        "/district/trust",
        data={"identifier": northside.did_key, "name": "Northside Co-op"},
    )
    pathways.add_outside_elective(
        session,
        world["admin"],
        pathway,
        issuer_id=northside.did_key,
        achievement_id=ACHIEVEMENT,
        name="Coaching cycles",
        electives_required=1,
    )
    session.commit()
    # The district stops trusting the co-op before the teacher adds the badge.
    from pdhub.trust.models import TrustedIssuer

    session.execute(
        TrustedIssuer.__table__.delete().where(
            TrustedIssuer.identifier == northside.did_key
        )
    )
    credentials.issue_credential(
        session,
        AwardFactory(enrollment__user=teacher, enrollment__module=world["required"]).id,
    )
    document = _outside_badge(session, teacher, northside)
    session.commit()
    client.post("/signout")
    sign_in(client, teacher)
    assert _add(client, document).status_code == 303
    assert session.scalar(select(func.count(PathwayCompletion.id))) == 0
    page = text(client.get(f"/pathways/{pathway.id}"))
    assert "does not trust its issuer now" in page


def test_another_districts_admin_cannot_add_an_elective_to_a_pathway(
    session: Session, client: FlaskClient, northside: Ed25519KeyPair
) -> None:
    world = _world(session)
    stranger = UserFactory(district_admin=True, district=DistrictFactory())
    sign_in(client, stranger)
    response = client.post(
        f"/pathways/{world['pathway'].id}/outside-electives",
        data={"outside-issuer_id": northside.did_key},
    )
    assert response.status_code == 404
    assert not world["pathway"].outside_steps


def _connect(client: FlaskClient, teacher: User, scope: str) -> dict[str, Any]:
    """A backpack registered for reading and upserting, connected with ``scope``."""
    registered = _register(client, f"{READ} {UPSERT}")
    sign_in(client, teacher)
    verifier, challenge = _pkce()
    code = _consent(client, registered, challenge, scope)
    client.post("/signout")
    response = _token(client, registered, code, verifier)
    assert response.status_code == 200, response.get_data(as_text=True)
    token: dict[str, Any] = response.get_json()
    return token


def test_a_connected_system_upserts_a_badge_through_the_api(
    session: Session, client: FlaskClient, teacher: User, northside: Ed25519KeyPair
) -> None:
    document = _outside_badge(session, teacher, northside)
    session.commit()
    token = _connect(client, teacher, f"{READ} {UPSERT}")
    headers = _bearer(token["access_token"])
    created = client.post(f"{BASE}/credentials", json=document, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["id"] == document["id"]
    replaced = client.post(f"{BASE}/credentials", json=document, headers=headers)
    assert replaced.status_code == 200
    badge = session.scalar(select(OutsideBadge))
    assert badge is not None and badge.added_via == "api"
    assert _count(session) == 1

    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["achievement"]["name"] = "Superintendent"
    refused = client.post(f"{BASE}/credentials", json=tampered, headers=headers)
    assert refused.status_code == 400
    assert "did not pass our checks" in refused.get_json()["imsx_description"]
    not_json = client.post(
        f"{BASE}/credentials",
        data="{",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400


def test_upsert_needs_the_upsert_scope(
    session: Session, client: FlaskClient, teacher: User, northside: Ed25519KeyPair
) -> None:
    document = _outside_badge(session, teacher, northside)
    session.commit()
    token = _connect(client, teacher, READ)
    response = client.post(
        f"{BASE}/credentials", json=document, headers=_bearer(token["access_token"])
    )
    assert response.status_code == 403
    assert _count(session) == 0


def test_the_teachers_export_holds_the_badge_and_erasure_removes_it(
    app: Flask,
    session: Session,
    client: FlaskClient,
    teacher: User,
    northside: Ed25519KeyPair,
) -> None:
    from pdhub.accountdata.erasure import erase_account
    from pdhub.accountdata.service import account_zip

    document = _outside_badge(session, teacher, northside)
    session.commit()
    sign_in(client, teacher)
    assert _add(client, document).status_code == 303
    with app.test_request_context():
        archive = zipfile.ZipFile(io.BytesIO(account_zip(session, teacher)))
    kept = json.loads(archive.read("badges_from_other_issuers.json"))
    assert [item["credential"]["id"] for item in kept] == [document["id"]]
    assert kept[0]["issuer"] == northside.did_key
    erase_account(session, None, teacher)
    session.commit()
    assert _count(session) == 0
