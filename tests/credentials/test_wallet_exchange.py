"""'Add to a wallet': the VC-API exchange a wallet joins with a DIDAuth presentation,
driven end to end by a wallet of the test's own (its own Ed25519 did:key), over HTTP
through the app."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges.documents import CREDENTIALS_V2
from badges.keys import Ed25519KeyPair
from badges.proofs import eddsa_rdfc_2022
from pdhub.accountdata import erasure
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential
from pdhub.wallets.models import WalletCredential, WalletExchange
from tests.credentials.test_issuing import verify
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text

ORIGIN = "http://localhost"


class Wallet:
    """Plays the Learner Credential Wallet: its own key and did:key, and the two
    VC-API requests it makes (ask what to present, then present a DIDAuth)."""

    def __init__(self, client: FlaskClient, key: Ed25519KeyPair | None = None) -> None:
        self.client = client
        self.key = key or Ed25519KeyPair.generate()
        self.did = self.key.did_key

    def post(self, url: str, body: Any) -> Any:
        assert url.startswith(ORIGIN), url
        return self.client.post(url.removeprefix(ORIGIN), json=body)

    def did_auth(
        self,
        challenge: str,
        domain: str,
        *,
        holder: str | None = None,
        purpose: str = "authentication",
    ) -> dict[str, Any]:
        presentation = {
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiablePresentation"],
            "holder": holder or self.did,
        }
        proof = eddsa_rdfc_2022.create_proof(
            presentation,
            self.key,
            self.key.did_key_verification_method,
            proof_purpose=purpose,
            challenge=challenge,
            domain=domain,
        )
        return {**presentation, "proof": [proof]}

    def receive(self, exchange_url: str) -> Any:
        """The whole exchange: returns the final response."""
        first = self.post(exchange_url, {})
        assert first.status_code == 200, first.get_json()
        request = first.get_json()["verifiablePresentationRequest"]
        assert request["query"][0]["type"] == "DIDAuthentication"
        presentation = self.did_auth(request["challenge"], request["domain"])
        return self.post(exchange_url, {"verifiablePresentation": presentation})


@pytest.fixture
def credential(session: Session) -> IssuedCredential:
    issued = service.issue_credential(session, AwardFactory().id)
    assert issued is not None
    session.commit()
    return issued


def start(client: FlaskClient, credential: IssuedCredential) -> dict[str, str]:
    """The teacher presses 'Add to a wallet'; returns the page's links."""
    sign_in(client, credential.user)
    page = text(client.get(f"/credentials/{credential.id}"))
    assert "Add to a wallet" in page
    response = client.post(f"/badges/{credential.id}/wallet")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.get_data()) < 60_000
    body = text(response)
    exchange_url = re.search(r'<code id="exchange-url">([^<]+)</code>', body)
    lcw = re.search(r'href="(https://lcw\.app/request\.html\?request=[^"]+)"', body)
    dcc = re.search(r'href="(dccrequest://request\?[^"]+)"', body)
    assert exchange_url and lcw and dcc, body[:2000]
    assert 'src="data:image/png;base64,' in body  # the QR code, no script needed
    client.post("/signout")
    return {"url": exchange_url.group(1), "lcw": lcw.group(1), "dcc": dcc.group(1)}


def test_a_wallet_receives_the_badge_bound_to_its_did_and_it_verifies(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    links = start(client, credential)
    request = json.loads(unquote(links["lcw"].split("request=", 1)[1]))
    assert request == {
        "credentialRequestOrigin": ORIGIN,
        "protocols": {"vcapi": links["url"]},
    }
    dcc = parse_qs(urlsplit(links["dcc"]).query)
    assert dcc["vc_request_url"] == [links["url"]]
    assert dcc["auth_type"] == ["bearer"]

    wallet = Wallet(client)
    response = wallet.receive(links["url"])
    assert response.status_code == 200, response.get_json()
    issued = response.get_json()["verifiablePresentation"]["verifiableCredential"]
    assert len(issued) == 1
    document = issued[0]
    subject = document["credentialSubject"]
    assert subject["id"] == wallet.did
    identity = subject["identifier"][0]
    assert identity["identityType"] == "emailAddress"
    assert identity["identityHash"].startswith("sha256$")
    assert document["credentialStatus"] == credential.document["credentialStatus"]
    assert document["id"] != credential.document["id"]
    report = verify(document, client)
    assert report.verified, report.to_json()

    stored = session.scalar(select(WalletCredential))
    assert stored is not None
    assert stored.holder_did == wallet.did
    assert stored.award_id == credential.award_id
    assert stored.source_credential_id == credential.id
    # Not a second badge of the teacher's: My badges still lists one.
    assert len(service.credentials_of(session, credential.user)) == 1

    # Revoking the original revokes the wallet's copy (the same status entry).
    admin = None
    service.revoke_credential(session, admin, credential, "Issued in error")
    session.commit()
    report = verify(document, client)
    assert not report.verified
    assert not report.check("status").passed


def test_the_older_lcw_link_posts_the_presentation_itself(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    links = start(client, credential)
    query = parse_qs(urlsplit(links["dcc"]).query)
    wallet = Wallet(client)
    presentation = wallet.did_auth(query["challenge"][0], ORIGIN)
    response = wallet.post(query["vc_request_url"][0], presentation)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()["verifiablePresentation"]["verifiableCredential"][0]
    assert document["credentialSubject"]["id"] == wallet.did


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["status"] == status
    return problem


def _request(wallet: Wallet, url: str) -> dict[str, Any]:
    response = wallet.post(url, {})
    assert response.status_code == 200
    request: dict[str, Any] = response.get_json()["verifiablePresentationRequest"]
    return request


def test_a_wrong_challenge_or_domain_or_purpose_is_refused(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    url = start(client, credential)["url"]
    wallet = Wallet(client)
    request = _request(wallet, url)
    for presentation in (
        wallet.did_auth("another-challenge", request["domain"]),
        wallet.did_auth(request["challenge"], "https://elsewhere.example"),
        wallet.did_auth(
            request["challenge"], request["domain"], purpose="assertionMethod"
        ),
    ):
        problem = _problem(
            wallet.post(url, {"verifiablePresentation": presentation}), 401
        )
        assert "does not prove control" in problem["detail"]
    # A tampered presentation (challenge changed after signing) fails the signature.
    signed = wallet.did_auth("another-challenge", request["domain"])
    signed["proof"][0]["challenge"] = request["challenge"]
    problem = _problem(wallet.post(url, {"verifiablePresentation": signed}), 401)
    assert "signature" in problem["detail"]
    # Nothing was issued and the exchange is still open for the real wallet.
    assert session.scalar(select(func.count(WalletCredential.id))) == 0
    assert wallet.receive(url).status_code == 200


def test_a_signature_by_another_key_than_the_holders_is_refused(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    url = start(client, credential)["url"]
    victim = Wallet(client)
    thief = Wallet(client)
    request = _request(thief, url)
    # The thief claims the victim's DID but can only sign with its own key.
    presentation = thief.did_auth(
        request["challenge"], request["domain"], holder=victim.did
    )
    problem = _problem(wallet_post(thief, url, presentation), 401)
    assert "holder" in problem["detail"]
    unsigned = {k: v for k, v in presentation.items() if k != "proof"}
    _problem(wallet_post(thief, url, unsigned), 401)
    assert session.scalar(select(func.count(WalletCredential.id))) == 0


def wallet_post(wallet: Wallet, url: str, presentation: dict[str, Any]) -> Any:
    return wallet.post(url, {"verifiablePresentation": presentation})


def test_an_exchange_is_used_once(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    url = start(client, credential)["url"]
    wallet = Wallet(client)
    assert wallet.receive(url).status_code == 200
    problem = _problem(wallet.post(url, {}), 410)
    assert "already used" in problem["detail"]
    other = Wallet(client)
    presentation = other.did_auth("anything", ORIGIN)
    _problem(wallet_post(other, url, presentation), 410)
    assert session.scalar(select(func.count(WalletCredential.id))) == 1


def test_an_expired_exchange_is_refused(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    url = start(client, credential)["url"]
    wallet = Wallet(client)
    request = _request(wallet, url)
    exchange = session.scalar(select(WalletExchange))
    assert exchange is not None
    assert exchange.expires_at - exchange.created_at == timedelta(minutes=15)
    exchange.expires_at = exchange.created_at - timedelta(seconds=1)
    session.commit()
    presentation = wallet.did_auth(request["challenge"], request["domain"])
    problem = _problem(wallet_post(wallet, url, presentation), 410)
    assert "expired" in problem["detail"]
    assert session.scalar(select(func.count(WalletCredential.id))) == 0


def test_unknown_exchanges_and_bad_bodies_get_problem_documents(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    wallet = Wallet(client)
    _problem(client.post("/api/v1/exchanges/no-such-exchange", json={}), 404)
    url = start(client, credential)["url"]
    path = url.removeprefix(ORIGIN)
    _problem(client.post(path, data="not json", content_type="application/json"), 400)
    _problem(client.post(path, json=[1, 2]), 400)
    _problem(client.post(path, json={"verifiablePresentation": "nope"}), 400)
    _problem(wallet_post(wallet, url, {"type": "VerifiablePresentation"}), 401)


def test_no_one_else_can_start_an_exchange_for_a_badge(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    stranger = UserFactory()  # another teacher, in another district
    assert stranger.district_id != credential.user.district_id
    sign_in(client, stranger)
    assert client.post(f"/badges/{credential.id}/wallet").status_code == 404
    assert client.post("/badges/not-a-uuid/wallet").status_code == 404
    client.post("/signout")
    response = client.post(f"/badges/{credential.id}/wallet")
    assert response.status_code in (302, 303)
    assert "/signin" in response.headers["Location"]
    assert session.scalar(select(func.count(WalletExchange.id))) == 0


def test_a_revoked_badge_offers_no_wallet_and_cannot_start_one(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    service.revoke_credential(session, None, credential, "Issued in error")
    session.commit()
    sign_in(client, credential.user)
    assert "Add to a wallet" not in text(client.get(f"/credentials/{credential.id}"))
    response = client.post(f"/badges/{credential.id}/wallet")
    assert response.status_code == 303
    assert "Only an active badge" in text(client.get(response.headers["Location"]))
    assert session.scalar(select(func.count(WalletExchange.id))) == 0


def test_the_exchange_page_is_in_spanish(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, credential.user)
    client.post("/language", data={"lang": "es", "next": "/"})
    page = text(client.post(f"/badges/{credential.id}/wallet"))
    assert "Agregue su insignia a una billetera" in page


def test_a_wallet_needs_no_csrf_token_where_forms_need_one(
    app_factory: Any, session: Session, credential: IssuedCredential
) -> None:
    site = app_factory(WTF_CSRF_ENABLED=True)
    exchange = WalletExchange(
        id="a" * 43,
        credential_id=credential.id,
        user_id=credential.user_id,
        challenge="c" * 36,
        expires_at=credential.issued_at + timedelta(days=3650),
    )
    session.add(exchange)
    session.commit()
    wallet = Wallet(site.test_client())
    assert wallet.receive(f"{ORIGIN}/api/v1/exchanges/{exchange.id}").status_code == 200


def test_erasing_the_account_forgets_the_wallet_and_closes_the_exchange(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    used = start(client, credential)["url"]
    wallet = Wallet(client)
    wallet.receive(used)
    # Until then, the teacher's data export holds the copy and the wallet's DID.
    from pdhub.accountdata.service import account_zip

    with client.application.test_request_context():
        archive = zipfile.ZipFile(io.BytesIO(account_zip(session, credential.user)))
    [copy] = json.loads(archive.read("wallet_copies.json"))
    assert copy["wallet_did"] == wallet.did and copy["copy_of"] == credential.id
    still_open = start(client, credential)["url"]
    erasure.erase_account(session, None, credential.user)
    session.commit()
    assert session.scalar(select(func.count(WalletCredential.id))) == 0
    assert session.scalar(select(func.count(WalletExchange.id))) == 0
    _problem(Wallet(client).post(still_open, {}), 404)
