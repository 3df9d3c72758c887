"""Trust lists: identifiers are validated, a DCC issuer registry imports many at once
(bad files get line and field errors, never a 500), and each list is kept only by
its keeper: platform administrators the platform's, a district's administrators
their district's. Another district's entry answers 404; teachers and coaches 403."""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.keys import Ed25519KeyPair
from pdhub.accounts.models import User
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.trust import service
from pdhub.trust.models import TrustedIssuer
from tests.factories import UserFactory
from tests.helpers import sign_in, text

# A fixed key: the parametrized test ids name it, and both xdist processes must
# collect the same ids.
DID = Ed25519KeyPair.from_seed(bytes(range(32))).did_key


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (DID, DID),
        ("did:web:State.Example.gov", "did:web:state.example.gov"),
        ("did:web:uni.example.edu:issuers:pd", "did:web:uni.example.edu:issuers:pd"),
        ("https://PD.Example.org/", "https://pd.example.org"),
        ("pd.example.org", "https://pd.example.org"),
    ],
)
def test_identifiers_are_stored_in_one_form(given: str, stored: str) -> None:
    assert service.normalize_identifier(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "",
        "did:key:z6MkNOTAKEY",
        DID + "#" + DID.removeprefix("did:key:"),
        "did:web:localhost",
        "did:ion:abc",
        "http://pd.example.org",
        "https://pd.example.org/some/path",
        "not an identifier",
        "x" * 600,
    ],
)
def test_bad_identifiers_are_refused_with_a_message(given: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.normalize_identifier(given)
    assert refused.value.field == "identifier"
    assert refused.value.message


def test_a_host_entry_trusts_every_did_web_and_https_issuer_on_that_host() -> None:
    trust = service.TrustList()
    trust.add("https://state.example.gov", "State Department", service.PLATFORM)
    trust.add(DID, "Co-op", service.DISTRICT)
    assert trust.lookup("did:web:state.example.gov").name == "State Department"
    assert trust.lookup("did:web:state.example.gov:issuers:7") is not None
    assert trust.lookup("https://state.example.gov/issuers/7") is not None
    assert trust.lookup("did:web:evil.example.gov") is None
    assert trust.lookup("did:web:state.example.gov.evil.example") is None
    assert trust.lookup(DID).name == "Co-op"
    assert trust.lookup(Ed25519KeyPair.generate().did_key) is None


def test_the_districts_name_wins_over_the_platforms_for_its_own_verifications(
    session: Session,
) -> None:
    admin = UserFactory(admin=True)
    hr = UserFactory(district_admin=True)
    service.add_entry(session, admin, None, identifier=DID, name="Platform name")
    service.add_entry(session, hr, hr.district_id, identifier=DID, name="Our name")
    assert service.trust_list(session, None).lookup(DID).name == "Platform name"
    ours = service.trust_list(session, hr.district_id).lookup(DID)
    assert (ours.name, ours.source) == ("Our name", service.DISTRICT)
    other = UserFactory(district_admin=True)
    assert service.trust_list_for(session, other).lookup(DID).name == "Platform name"


def test_every_key_this_deployment_signed_with_is_trusted(session: Session) -> None:
    from pdhub.credentials import keys

    first = keys.current_key(session)
    second = keys.rotate_key(session)
    trust = service.trust_list(session, None)
    for key in (first, second):
        match = trust.lookup(key.did_key)
        assert (match.name, match.source) == ("PD Hub", service.OWN)


# --- importing a DCC registry ---


REGISTRY = {
    "meta": {"created": "2022-10-27T17:57:31+00:00"},
    "registry": {
        DID: {
            "name": "My University",
            "location": "Cambridge, MA, USA",
            "url": "https://digitalcredentials.example.edu",
        },
        "did:web:credentials.myschool.example": {
            "name": "My School",
            "url": "https://some.domain.example",
        },
    },
}


def test_a_dcc_registry_adds_every_issuer_and_keeps_names_already_given(
    session: Session,
) -> None:
    hr = UserFactory(district_admin=True)
    service.add_entry(session, hr, hr.district_id, identifier=DID, name="Our name")
    result = service.import_registry(
        session, hr, hr.district_id, json.dumps(REGISTRY).encode()
    )
    assert (result.added, result.already_listed) == (1, 1)
    names = {e.identifier: e.name for e in service.entries(session, hr, hr.district_id)}
    assert names == {
        DID: "Our name",
        "did:web:credentials.myschool.example": "My School",
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b'{\n  "registry": {\n    oops\n}',
            "Line 3, column 5: the file is not valid JSON",
        ),
        (b"[]", 'needs a "registry" object'),
        (b"\xff\xfe", "must be UTF-8"),
        (
            json.dumps(
                {"registry": {"did:key:zBAD": {"name": "X"}}}, indent=1
            ).encode(),
            'Line 3, registry["did:key:zBAD"]: That did:key DID is not a valid',
        ),
        (
            json.dumps(
                {"registry": {DID: {"url": "https://x.example"}}}, indent=1
            ).encode(),
            f'Line 3, registry["{DID}"].name: is missing or not text.',
        ),
        (
            json.dumps({"registry": {DID: {"name": "X", "url": 5}}}, indent=1).encode(),
            f'registry["{DID}"].url: must be text.',
        ),
        (
            json.dumps(
                {"registry": {DID: {"name": "X", "url": "javascript:alert(1)"}}}
            ).encode(),
            "must be an address starting with https://",
        ),
        (b"[" * 100_000, "not valid JSON"),
        (b'{"registry": {}}', "lists no issuers"),
    ],
)
def test_a_bad_registry_file_names_the_line_and_field_and_adds_nothing(
    session: Session, raw: bytes, message: str
) -> None:
    hr = UserFactory(district_admin=True)
    with pytest.raises(InvalidInput) as refused:
        service.import_registry(session, hr, hr.district_id, raw)
    assert message in refused.value.message
    assert service.entries(session, hr, hr.district_id) == []


# --- the pages, and who may use them ---


def _add(client: FlaskClient, path: str, identifier: str, name: str) -> object:
    return client.post(path, data={"identifier": identifier, "name": name})


def test_a_district_admin_adds_imports_sees_who_added_and_removes(
    client: FlaskClient, session: Session
) -> None:
    hr = UserFactory(district_admin=True, name="Hana Reyes")
    sign_in(client, hr)
    page = text(client.get("/district/trust"))
    assert "Your district's trusted issuers" in page
    assert "Trusted issuers" in page  # in the navigation
    assert _add(client, "/district/trust", DID, "Northside Co-op").status_code == 303
    bad = _add(client, "/district/trust", "did:key:nope", "X")
    assert bad.status_code == 422
    assert "not a valid Ed25519 key" in text(bad)
    duplicate = _add(client, "/district/trust", DID, "Again")
    assert "already on this list" in text(duplicate)
    imported = client.post(
        "/district/trust/import",
        content_type="multipart/form-data",
        data={
            "import-file": (
                io.BytesIO(
                    json.dumps(
                        {"registry": {"did:web:state.example.gov": {"name": "State"}}}
                    ).encode()
                ),
                "registry.json",
            )
        },
    )
    assert imported.status_code == 303
    page = text(client.get("/district/trust"))
    assert "Northside Co-op" in page and "State" in page
    assert "by Hana Reyes" in page
    broken = client.post(
        "/district/trust/import",
        content_type="multipart/form-data",
        data={"import-file": (io.BytesIO(b"{nope"), "registry.json")},
    )
    assert broken.status_code == 422
    assert "Line 1, column 2" in text(broken)
    entry = session.scalar(select(TrustedIssuer).where(TrustedIssuer.identifier == DID))
    entry_id = entry.id
    assert "Change Northside Co-op" in text(client.get(f"/district/trust/{entry_id}"))
    blank = client.post(f"/district/trust/{entry_id}", data={"name": " "})
    assert blank.status_code == 422
    assert "Enter the name your verifiers should see" in text(blank)
    renamed = client.post(
        f"/district/trust/{entry_id}", data={"name": "Northside Co-op (PD)"}
    )
    assert renamed.status_code == 303
    session.expire_all()
    assert session.get(TrustedIssuer, entry_id).name == "Northside Co-op (PD)"
    assert client.post(f"/district/trust/{entry_id}/remove").status_code == 303
    page = text(client.get("/district/trust"))
    assert "Northside Co-op (PD) is no longer a trusted issuer" in page
    assert DID not in page
    assert session.get(TrustedIssuer, entry_id) is None


def test_a_platform_admin_keeps_the_platform_list(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(admin=True)
    sign_in(client, admin)
    assert _add(client, "/admin/trust", DID, "State agency").status_code == 303
    entry = session.scalar(select(TrustedIssuer).where(TrustedIssuer.identifier == DID))
    assert entry.district_id is None and entry.added_by_id == admin.id
    assert "State agency" in text(client.get("/admin/trust"))
    # District admins see the platform's entries, read-only, on their page.
    hr = UserFactory(district_admin=True)
    other = client.application.test_client()
    sign_in(other, hr)
    assert "State agency" in text(other.get("/district/trust"))
    assert other.post(f"/district/trust/{entry.id}/remove").status_code == 404
    assert other.get(f"/district/trust/{entry.id}").status_code == 404
    assert client.get(f"/admin/trust/{entry.id}").status_code == 200
    assert other.get("/admin/trust").status_code == 403


def _entry(session: Session, owner: User) -> TrustedIssuer:
    return service.add_entry(
        session, owner, owner.district_id, identifier=DID, name="Theirs"
    )


def test_another_districts_entry_answers_404_by_id(
    client: FlaskClient, session: Session
) -> None:
    theirs = _entry(session, UserFactory(district_admin=True))
    session.commit()
    sign_in(client, UserFactory(district_admin=True))
    assert client.get(f"/district/trust/{theirs.id}").status_code == 404
    edit = client.post(f"/district/trust/{theirs.id}", data={"name": "Mine now"})
    assert edit.status_code == 404
    assert client.post(f"/district/trust/{theirs.id}/remove").status_code == 404
    assert client.post("/district/trust/999999/remove").status_code == 404
    session.expire_all()
    assert session.get(TrustedIssuer, theirs.id).name == "Theirs"
    assert "Theirs" not in text(client.get("/district/trust"))
    admin = UserFactory(admin=True)
    with pytest.raises(NotFound):
        service.entry_for(session, admin, None, theirs.id)


@pytest.mark.parametrize("role", ["teacher", "coach"])
def test_teachers_and_coaches_cannot_open_or_change_any_list(
    client: FlaskClient, session: Session, role: str
) -> None:
    theirs = _entry(session, UserFactory(district_admin=True))
    user = UserFactory(coach=True) if role == "coach" else UserFactory()
    session.commit()
    sign_in(client, user)
    for method, path in [
        ("get", "/district/trust"),
        ("post", "/district/trust"),
        ("post", "/district/trust/import"),
        ("post", f"/district/trust/{theirs.id}/remove"),
        ("get", f"/district/trust/{theirs.id}"),
        ("post", f"/district/trust/{theirs.id}"),
        ("get", f"/admin/trust/{theirs.id}"),
        ("get", "/admin/trust"),
        ("post", "/admin/trust"),
        ("post", "/admin/trust/import"),
        ("post", f"/admin/trust/{theirs.id}/remove"),
    ]:
        assert getattr(client, method)(path).status_code == 403, (method, path)
    with pytest.raises(PermissionDenied):
        service.add_entry(session, user, user.district_id, identifier=DID, name="X")


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    for path in ("/district/trust", "/admin/trust"):
        response = client.get(path)
        assert response.status_code in (302, 303)
        assert "/signin" in response.headers["Location"]
