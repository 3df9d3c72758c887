"""Digital Bazaar's verifier accepts the credentials PD Hub issues, in every form the
credential page offers (JSON, VC-JWT, baked PNG and SVG, downloaded over HTTP), and
sees them revoked after a revocation, reading the status list from the running app.

The app runs on a real HTTP server on a free loopback port, over its own SQLite
instance (the embedded default), with the demo data seeded through the services.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from badges.baking import extract_png, extract_svg
from badges.dids import Resolver
from badges.documents import CREDENTIALS_V1, CREDENTIALS_V2, ED25519_2020
from badges.jwt import decode_jwt
from badges.keys import Ed25519KeyPair
from badges.multibase import base64url_decode, base64url_encode
from badges.schema import schema_errors
from badges.verify import verify_credential
from pdhub import create_app, demo
from pdhub.accounts.models import User
from pdhub.credentials import keys, service
from pdhub.credentials.models import IssuedCredential
from pdhub.endorsements import service as endorsements
from pdhub.extensions import db
from pdhub.verification import service as verification
from pdhub.verification.models import Verdict
from pdhub.wallets import service as wallets

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, after ``npm ci`` has installed the pinned packages once."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.fail("node and npm are required for the interoperability tests")
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return node


def verify(node: str, credential: dict[str, Any] | str) -> dict[str, Any]:
    """Digital Bazaar's verdict on a credential (an object, or JSON / VC-JWT text)."""
    completed = subprocess.run(
        [node, str(HERE / "verify.mjs"), "-"],
        input=credential if isinstance(credential, str) else json.dumps(credential),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    assert (completed.returncode == 0) == result["verified"], completed.stderr
    return result


@dataclass
class RunningApp:
    app: Flask
    origin: str
    server: BaseWSGIServer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    instance = tmp_path_factory.mktemp("interop-instance")
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "PDHUB_INSTANCE_PATH": str(instance),
            "PDHUB_SECRET_KEY": "interop-test-secret-key-" + "x" * 24,
            "PDHUB_DATA_KEY": Fernet.generate_key().decode(),
            "PDHUB_BASE_URL": origin,
            "PDHUB_MODULES_PATH": str(ROOT / "modules"),
        }
    )
    with app.app_context():
        upgrade()
        demo.prepare(db.session, ROOT / "modules")
        db.session.commit()  # the demo teacher's credential is issued after commit
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RunningApp(app, origin, server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _credential(running: RunningApp) -> IssuedCredential:
    with running.app.app_context():
        # Maya's badge (the demo also holds Leo's badge that expires soon).
        found = db.session.scalars(
            select(IssuedCredential)
            .join(User, User.id == IssuedCredential.user_id)
            .where(User.email == demo.ACCOUNTS[0].email)
        ).one()
        # The baked images are made on the first download and kept: download them
        # (the tests read what was kept).
        for kind in ("png", "svg"):
            service.download(db.session, found, kind)
        db.session.commit()
        db.session.refresh(found)
        db.session.expunge(found)
        db.session.remove()
        return found


def test_digitalbazaar_verifies_our_issued_json_png_and_svg(
    node: str, running_app: RunningApp
) -> None:
    credential = _credential(running_app)
    document = credential.document
    assert document["credentialStatus"]["statusListCredential"].startswith(
        running_app.origin + "/status-lists/"
    )
    forms = {
        "json": document,
        "png": json.loads(extract_png(bytes(credential.png_cache or b""))),
        "svg": json.loads(extract_svg(bytes(credential.svg_cache or b""))),
    }
    for name, form in forms.items():
        result = verify(node, form)
        assert result["verified"], (name, result)
        assert result["statuses"] == [{"statusPurpose": "suspension", "set": False}]


def test_digitalbazaar_verifies_the_evidence_links_the_teacher_chose_to_share(
    node: str, running_app: RunningApp
) -> None:
    document = _credential(running_app).document
    assert document["evidence"] == [
        {
            "id": "https://example.org/demo/source-checking-slides",
            "type": ["Evidence"],
            "name": "Source-checking lesson slides",
        },
        {
            "id": "https://example.org/demo/source-checking-exit-tickets",
            "type": ["Evidence"],
            "name": "Exit tickets: checking a source (class summary)",
        },
    ]
    assert verify(node, document)["verified"]


def _change(running: RunningApp, change: str, credential_id: str) -> None:
    """Suspend, reinstate or revoke through the service the admin pages and CLI use."""
    with running.app.app_context():
        found = service.get_credential(db.session, credential_id)
        if change == "suspend":
            service.suspend_credential(db.session, None, found, "Under review.")
        elif change == "reinstate":
            service.reinstate_credential(db.session, None, found)
        else:
            service.revoke_credential(db.session, None, found, "Copied evidence.")
        db.session.commit()
        db.session.remove()


def _ours(running: RunningApp, data: Any) -> Any:
    """PD Hub's own verifier, as /verify and the API run it."""
    with running.app.app_context():
        outcome = verification.verify(data)
        db.session.remove()
        return outcome


def test_digitalbazaar_sees_it_suspended_then_reinstated_from_the_served_list(
    node: str, running_app: RunningApp
) -> None:
    credential = _credential(running_app)
    forms = (
        credential.document,
        json.loads(extract_png(bytes(credential.png_cache or b""))),
    )
    _change(running_app, "suspend", credential.id)
    for data in forms:
        result = verify(node, data)
        assert not result["verified"] and result["proofVerified"], result
        assert result["suspended"], result
        assert result["statuses"] == [{"statusPurpose": "suspension", "set": True}]
    ours = _ours(running_app, credential.document)
    assert ours.verdict is Verdict.SUSPENDED
    assert "Under review." in ours.report.check("status").detail

    _change(running_app, "reinstate", credential.id)
    for data in forms:
        result = verify(node, data)
        assert result["verified"], result
        assert not result["suspended"]
    assert _ours(running_app, credential.document).verified


def _download(running: RunningApp, path: str) -> bytes:
    url = running.origin + path  # http://127.0.0.1:<port>, the test's own server
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        assert response.status == 200, path
        return bytes(response.read())


def _shared(running: RunningApp) -> IssuedCredential:
    credential = _credential(running)
    with running.app.app_context():
        found = service.get_credential(db.session, credential.id)
        found.shared = True
        db.session.commit()
        db.session.remove()
    return credential


def test_every_form_the_credential_page_offers_verifies_with_digital_bazaar(
    node: str, running_app: RunningApp
) -> None:
    """The page says "These files verify anywhere, with any Open Badges 3.0
    verifier": each file it links to, as a visitor downloads it, passes Digital
    Bazaar's verifier and the official strict schema (the VC-JWT included)."""
    credential = _shared(running_app)
    page = _download(running_app, f"/credentials/{credential.id}").decode()
    assert "These files verify anywhere, with any Open Badges 3.0 verifier" in page
    files = page.split('id="files"', 1)[1].split("</ul>", 1)[0]
    offered = re.findall(r'href="/credentials/[^"]+\.(\w+)"', files)
    assert offered == ["json", "jwt", "png", "svg"]
    downloads = {
        kind: _download(running_app, f"/credentials/{credential.id}.{kind}")
        for kind in offered
    }
    forms: dict[str, Any] = {
        "json": downloads["json"].decode(),
        "jwt": downloads["jwt"].decode(),
        "png": extract_png(downloads["png"]),
        "svg": extract_svg(downloads["svg"]),
    }
    token = forms["jwt"]
    claims = decode_jwt(token).claims
    assert "sub" not in claims  # the subject has no id: no email hash in sub
    for name, form in forms.items():
        result = verify(node, form)
        assert result["verified"], (name, result)
        assert result["proofVerified"], name
        assert result["statuses"] == [{"statusPurpose": "suspension", "set": False}]
        ours = verify_credential(
            form,
            resolver=Resolver(),
            status_fetcher=lambda url: _download(
                running_app, url.removeprefix(running_app.origin)
            ),
        )
        assert ours.verified, (name, ours.to_json())
        assert schema_errors(ours.credential or {}) == [], name
    document = json.loads(forms["json"])
    assert decode_jwt(token).credential == {
        k: v for k, v in document.items() if k != "proof"
    }


def test_digitalbazaar_and_ours_both_refuse_the_old_jwt_form_with_the_hash_in_sub(
    node: str, running_app: RunningApp
) -> None:
    credential = _shared(running_app)
    token = _download(running_app, f"/credentials/{credential.id}.jwt").decode()
    header, payload, _ = token.split(".")
    claims = json.loads(base64url_decode(payload))
    claims["sub"] = claims["credentialSubject"]["identifier"][0]["identityHash"]
    unsigned = f"{header}.{base64url_encode(json.dumps(claims).encode())}"
    with running_app.app.app_context():
        found = service.get_credential(db.session, credential.id)
        pair = keys.key_store().load(found.issuer_key)
        db.session.remove()
    old = f"{unsigned}.{base64url_encode(pair.sign(unsigned.encode()))}"
    result = verify(node, old)
    assert not result["verified"]
    assert result["proofVerified"]  # a good signature over inconsistent claims
    assert any("sub" in error for error in result["errors"]), result
    ours = verify_credential(
        old,
        resolver=Resolver(),
        status_fetcher=lambda url: _download(
            running_app, url.removeprefix(running_app.origin)
        ),
    )
    assert ours.check("structure").code == "jwt_claim_mismatch"


# Runs last: it revokes the app's one credential.
def test_digitalbazaar_sees_it_revoked_after_revocation(
    node: str, running_app: RunningApp
) -> None:
    credential = _shared(running_app)
    _change(running_app, "revoke", credential.id)
    token = _download(running_app, f"/credentials/{credential.id}.jwt").decode()
    for data in (
        credential.document,
        json.loads(extract_png(bytes(credential.png_cache or b""))),
        token,
    ):
        result = verify(node, data)
        assert not result["verified"]
        assert result["proofVerified"]
        # One status entry (OB 3.0): its bit is set for good. A list reader names
        # it by the entry's purpose; PD Hub's verifier says revoked, with the reason.
        assert result["statuses"] == [{"statusPurpose": "suspension", "set": True}]
    ours = _ours(running_app, credential.document)
    assert ours.verdict is Verdict.REVOKED
    assert "Copied evidence." in ours.report.check("status").detail


# After the tests above (they read the app's one credential): it issues another.
def test_digitalbazaar_verifies_a_credential_issued_in_spanish(
    node: str, running_app: RunningApp
) -> None:
    from pdhub.learning import service as learning
    from tests.factories import AwardFactory

    with running_app.app.app_context():
        module = learning.current_module(db.session, "digital-equity-classroom")
        award = AwardFactory(enrollment__module=module, enrollment__language="es")
        issued = service.issue_credential(db.session, award.id)
        assert issued is not None
        token = service.download(db.session, issued, "jwt").decode()
        document = issued.document
        db.session.commit()
        db.session.remove()
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "es"
    assert achievement["name"] == "Profesional de la equidad digital"
    assert schema_errors(document) == []
    for data in (document, token):
        result = verify(node, data)
        assert result["verified"], result


def test_digitalbazaar_verifies_the_clr_transcript_and_each_credential_in_it(
    node: str, running_app: RunningApp
) -> None:
    from pdhub.accounts.service import find_user_by_email
    from pdhub.clr import service as clr

    with running_app.app.app_context():
        # Leo: Maya's badge may be revoked by an earlier test here; Leo holds a current
        # one (renewed or not).
        teacher = find_user_by_email(db.session, demo.REVIEW_ACCOUNTS[0].email)
        assert teacher is not None
        transcript = clr.transcript_for(db.session, teacher)
        document = transcript.document
        db.session.commit()
        db.session.remove()
    assert "ClrCredential" in document["type"]
    inside = document["credentialSubject"]["verifiableCredential"]
    assert inside
    result = verify(node, document)
    assert result["verified"], result
    # Changing a badge inside breaks the transcript's signature for them too.
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["verifiableCredential"][0]["name"] = "Forged"
    assert not verify(node, tampered)["verified"]


def test_digitalbazaar_verifies_a_pathway_milestone_credential(
    node: str, running_app: RunningApp
) -> None:
    """A pathway a demo teacher has completed (Leo, whose privacy badge is current:
    Maya's is revoked by an earlier test) issues its milestone through the same
    jobs as badges; Digital Bazaar accepts it, status read from the server."""
    from pdhub.pathways import service as pathways
    from pdhub.pathways.models import PathwayCompletion

    with running_app.app.app_context():
        admin = db.session.scalars(
            select(User).where(User.email == "district@riverside.example.org")
        ).one()
        pathway = pathways.create_pathway(
            db.session,
            admin,
            name="Privacy first",
            description="",
            milestone_name="Privacy Champion",
            required=[demo.EXPIRY_DEMO_MODULE],
            electives=[],
            electives_required=0,
        )
        db.session.commit()  # the check and the issuing run after the commit
        completion = db.session.scalars(
            select(PathwayCompletion).where(PathwayCompletion.pathway_id == pathway.id)
        ).one()
        document = completion.document
        db.session.remove()
    assert document is not None
    assert schema_errors(document) == []
    assert document["credentialSubject"]["achievement"]["name"] == "Privacy Champion"
    assert len(document["evidence"]) == 1
    result = verify(node, document)
    assert result["verified"], result
    assert result["statuses"] == [{"statusPurpose": "suspension", "set": False}]


def test_digitalbazaar_verifies_the_demo_workshop_credential(
    node: str, running_app: RunningApp
) -> None:
    """The workshop badge the demo awards Maya (Riverside Summer Institute, from an
    attendee list through the same issuing as the award page) passes the strict
    schema, Digital Bazaar's verifier with its status read from the running app,
    and PD Hub's own verifier (/verify)."""
    from pdhub.workshops.models import WorkshopAward

    with running_app.app.app_context():
        award = db.session.scalars(
            select(WorkshopAward)
            .join(User, User.id == WorkshopAward.user_id)
            .where(User.email == demo.ACCOUNTS[0].email)
        ).one()
        document = award.document
        db.session.remove()
    assert schema_errors(document) == []
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Riverside Summer Institute: Digital Equity Day"
    assert document["credentialSubject"]["creditsEarned"] == 6
    assert document["credentialStatus"]["statusListCredential"].startswith(
        running_app.origin + "/status-lists/"
    )
    result = verify(node, document)
    assert result["verified"], result
    assert result["statuses"] == [{"statusPurpose": "suspension", "set": False}]
    assert _ours(running_app, document).verified


def test_digitalbazaar_verifies_a_badge_that_expires_soon_and_its_renewal(
    node: str, running_app: RunningApp
) -> None:
    """Leo's demo badge expires within 60 days; he renews it by passing the
    knowledge check again; both credentials verify with Digital Bazaar, the new one
    naming the old one in its evidence."""
    from pdhub.credentials import renewal
    from pdhub.learning import service as learning

    with running_app.app.app_context():
        leo = db.session.scalars(
            select(User).where(User.email == demo.REVIEW_ACCOUNTS[0].email)
        ).one()
        old = db.session.scalars(
            select(IssuedCredential).where(IssuedCredential.user_id == leo.id)
        ).one()
        assert renewal.can_renew(old) and not old.expired
        old_document = old.document
        enrollment = old.award.enrollment
        renewal.start(db.session, leo, old)
        paper = learning.next_paper(db.session, enrollment)
        learning.submit_quiz(db.session, leo, enrollment, demo._right_answers(paper))
        db.session.commit()  # graded after the commit; the pass issues the renewal
        db.session.refresh(old)
        renewed = db.session.get(IssuedCredential, old.replaced_by_id)
        assert renewed is not None
        renewed_document = renewed.document
        db.session.remove()
    assert "validUntil" in old_document and "validUntil" in renewed_document
    assert renewed_document["validUntil"] > old_document["validUntil"]
    assert any(old.id in e.get("narrative", "") for e in renewed_document["evidence"])
    for document in (old_document, renewed_document):
        assert schema_errors(document) == []
        result = verify(node, document)
        assert result["verified"], result


def _post_json(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - the test's own loopback server
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _did_auth(
    node: str, suite: str, seed: bytes, request: dict[str, Any]
) -> dict[str, Any]:
    """A DIDAuth presentation signed by Digital Bazaar's libraries, as the Learner
    Credential Wallet signs it (credentials v1 and Ed25519Signature2020) or with
    eddsa-rdfc-2022 on credentials v2."""
    holder = Ed25519KeyPair.from_seed(seed).did_key
    context = (
        [CREDENTIALS_V1, ED25519_2020]
        if suite == "Ed25519Signature2020"
        else [CREDENTIALS_V2]
    )
    presentation = {
        "@context": context,
        "type": ["VerifiablePresentation"],
        "holder": holder,
    }
    completed = subprocess.run(
        [
            node,
            str(HERE / "didauth.mjs"),
            suite,
            seed.hex(),
            request["challenge"],
            request["domain"],
        ],
        input=json.dumps(presentation),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    signed: dict[str, Any] = json.loads(completed.stdout)
    assert signed["did"] == holder
    return dict(signed["presentation"])


@pytest.mark.parametrize("suite", ["Ed25519Signature2020", "eddsa-rdfc-2022"])
def test_a_wallet_signing_with_digitalbazaar_receives_a_badge_bound_to_its_did(
    node: str, running_app: RunningApp, suite: str
) -> None:
    with running_app.app.app_context():
        found = next(
            credential
            for credential in db.session.scalars(
                select(IssuedCredential).order_by(IssuedCredential.issued_at)
            )
            if wallets.addable(credential)
        )
        exchange = wallets.start_exchange(db.session, found.user, found)
        db.session.commit()
        url = wallets.exchange_url(exchange)
        db.session.remove()
    assert url.startswith(running_app.origin + "/api/v1/exchanges/")

    status, answer = _post_json(url, {})
    assert status == 200, answer
    request = answer["verifiablePresentationRequest"]
    assert request["domain"] == running_app.origin
    seed = bytes(range(40, 72))
    presentation = _did_auth(node, suite, seed, request)
    status, answer = _post_json(url, {"verifiablePresentation": presentation})
    assert status == 200, answer
    document = answer["verifiablePresentation"]["verifiableCredential"][0]
    assert document["credentialSubject"]["id"] == Ed25519KeyPair.from_seed(seed).did_key
    result = verify(node, document)
    assert result["verified"], result
    assert _ours(running_app, document).verified
    status, answer = _post_json(url, {"verifiablePresentation": presentation})
    assert status == 410, answer  # used once


def test_digitalbazaar_verifies_a_district_endorsement_then_sees_it_withdrawn(
    node: str, running_app: RunningApp
) -> None:
    credential = _shared(running_app)
    with running_app.app.app_context():
        admin = db.session.scalars(
            select(User).where(User.email == demo.ACCOUNTS[2].email)
        ).one()
        module_id = service.get_credential(db.session, credential.id).award.module_id
        made = endorsements.endorse(
            db.session, admin, module_id, "Approved for salary credit in Riverside."
        )
        endorsement_id = made.id
        db.session.commit()
        db.session.remove()
    served = json.loads(_download(running_app, f"/endorsements/{endorsement_id}"))
    assert served["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert served["issuer"]["name"] == "Riverside Unified School District"
    unsigned = {key: value for key, value in served.items() if key != "proof"}
    assert schema_errors(unsigned, "ob_v3p0_endorsementcredential_schema.json") == []
    result = verify(node, served)
    assert result["verified"], result
    assert result["statuses"] == [{"statusPurpose": "revocation", "set": False}]
    page = _download(running_app, f"/credentials/{credential.id}").decode()
    assert "Endorsed by Riverside Unified School District" in page

    with running_app.app.app_context():
        admin = db.session.scalars(
            select(User).where(User.email == demo.ACCOUNTS[2].email)
        ).one()
        endorsements.withdraw(db.session, admin, endorsement_id)
        db.session.commit()
        db.session.remove()
    result = verify(node, served)
    assert not result["verified"] and result["proofVerified"], result
    assert result["revoked"], result
