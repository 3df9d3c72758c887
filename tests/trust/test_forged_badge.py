"""Issue 13's forged badge: a real PD Hub credential re-signed with a fresh did:key
and named "PD Hub" is never shown as verified. The page, the API, the CLI, the batch
CSV and the signed report call it a valid signature from an issuer you have not
listed, with its identifier, and "PD Hub" only as its claim. Once a district lists
the DID, its verifications name it by the district's display name."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from badges.keys import Ed25519KeyPair
from pdhub.accounts.models import User
from pdhub.accounts.service import create_api_token
from pdhub.credentials.models import IssuedCredential
from pdhub.verification.report import check_report_signature
from tests.factories import UserFactory
from tests.helpers import sign_in, text
from tests.trust.forgery import forge, real_credential
from tests.verification import samples

UNLISTED = "Valid signature from an issuer you have not listed"
CO_OP = "Northside Learning Co-op"


@pytest.fixture
def forger() -> Ed25519KeyPair:
    return Ed25519KeyPair.generate()


@pytest.fixture
def real(session: Session) -> IssuedCredential:
    return real_credential(session)


@pytest.fixture
def forged(real: IssuedCredential, forger: Ed25519KeyPair) -> dict[str, Any]:
    return forge(real.document, forger)


@pytest.fixture
def hr(session: Session) -> User:
    return UserFactory(district_admin=True)


def _verify_page(client: FlaskClient, credential: dict[str, Any]) -> str:
    response = client.post("/verify", data={"credential": json.dumps(credential)})
    assert response.status_code == 200
    return text(response)


def _list_in_district(client: FlaskClient, did: str, name: str = CO_OP) -> None:
    response = client.post("/district/trust", data={"identifier": did, "name": name})
    assert response.status_code == 303, text(response)[:2000]


# --- the page ---


def test_the_page_shows_the_forgery_as_an_unlisted_issuer_never_as_pd_hub(
    client: FlaskClient,
    real: IssuedCredential,
    forged: dict[str, Any],
    forger: Ed25519KeyPair,
) -> None:
    page = _verify_page(client, forged)
    assert f">{UNLISTED}</h2>" in page
    assert forger.did_key in page
    assert "It calls itself “PD Hub”. That is the issuer's own claim" in page
    assert "Claims to be “PD Hub”" in page
    assert "Every check passed" not in page
    assert ">Verified</h2>" not in page
    assert "issued by <strong>PD Hub" not in page
    assert "verdict-ok" not in page

    genuine = _verify_page(client, real.document)
    assert ">Verified</h2>" in genuine
    assert "this credential was issued by <strong>PD Hub</strong>" in genuine


def test_after_the_district_lists_the_did_its_admin_sees_the_districts_name(
    client: FlaskClient, hr: User, forged: dict[str, Any], forger: Ed25519KeyPair
) -> None:
    sign_in(client, hr)
    assert f">{UNLISTED}</h2>" in _verify_page(client, forged)
    _list_in_district(client, forger.did_key)
    page = _verify_page(client, forged)
    assert ">Verified</h2>" in page
    assert f"this credential was issued by <strong>{CO_OP}</strong>" in page
    assert "trusted through your district's trust list" in page

    # The district's list is the district's: others still see an unlisted issuer.
    other = client.application.test_client()
    assert f">{UNLISTED}</h2>" in _verify_page(other, forged)
    other_admin = UserFactory(district_admin=True)
    sign_in(other, other_admin)
    assert f">{UNLISTED}</h2>" in _verify_page(other, forged)


# --- the API ---


def _issuer_check(body: dict[str, Any]) -> dict[str, Any]:
    return next(check for check in body["checks"] if check["name"] == "issuer")


def test_the_api_says_unlisted_issuer_with_a_code_and_the_claim_as_a_claim(
    client: FlaskClient,
    real: IssuedCredential,
    forged: dict[str, Any],
    forger: Ed25519KeyPair,
) -> None:
    body = client.post("/api/v1/verify", json=forged).get_json()
    assert body["verified"] is False
    assert body["verdict"] == "unlisted_issuer"
    check = _issuer_check(body)
    assert (check["passed"], check["code"]) == (False, "not_listed")
    assert forger.did_key in check["detail"]
    assert body["issuer"] == {
        "identifier": forger.did_key,
        "claimedName": "PD Hub",
        "trusted": False,
        "trustedName": None,
        "trustList": None,
    }
    assert {c["name"] for c in body["checks"] if not c["passed"]} == {"issuer"}

    genuine = client.post("/api/v1/verify", json=real.document).get_json()
    assert (genuine["verified"], genuine["verdict"]) == (True, "verified")
    assert _issuer_check(genuine)["code"] == "trusted"
    assert genuine["issuer"]["trustedName"] == "PD Hub"
    assert genuine["issuer"]["trustList"] == "own"


def test_with_a_district_token_the_api_uses_the_districts_list(
    client: FlaskClient,
    session: Session,
    hr: User,
    forged: dict[str, Any],
    forger: Ed25519KeyPair,
) -> None:
    token = create_api_token(session, hr, "HR system")
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    sign_in(client, hr)
    _list_in_district(client, forger.did_key)
    body = client.post("/api/v1/verify", json=forged, headers=auth).get_json()
    assert (body["verified"], body["verdict"]) == (True, "verified")
    assert body["issuer"]["trustedName"] == CO_OP
    assert body["issuer"]["trustList"] == "district"
    anonymous = client.application.test_client()
    assert (
        anonymous.post("/api/v1/verify", json=forged).get_json()["verdict"]
        == "unlisted_issuer"
    )
    bad = client.post(
        "/api/v1/verify", json=forged, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401


def test_the_openapi_document_describes_the_issuer_check_and_verdicts(
    client: FlaskClient,
) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "unlisted_issuer" in schemas["Verification"]["properties"]["verdict"]["enum"]
    assert "not_listed" in schemas["Check"]["properties"]["code"]["enum"]
    assert schemas["Issuer"]["properties"]["claimedName"]


# --- the CLI ---


def test_the_cli_calls_the_forgery_unlisted_until_the_issuer_is_trusted(
    app: Flask,
    session: Session,
    forged: dict[str, Any],
    forger: Ed25519KeyPair,
    tmp_path: Path,
) -> None:
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["credentials", "verify", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{UNLISTED.upper()}:")
    assert f"Issuer: NOT LISTED {forger.did_key}" in result.output
    assert 'claims to be "PD Hub", not confirmed' in result.output
    assert "VERIFIED:" not in result.output.split("\n")[0].replace(UNLISTED.upper(), "")

    as_json = runner.invoke(args=["credentials", "verify", str(path), "--json"])
    assert json.loads(as_json.output)["verdict"] == "unlisted_issuer"

    registry = tmp_path / "registry.json"
    registry.write_text(
        json.dumps({"registry": {forger.did_key: {"name": CO_OP, "url": None}}})
    )
    trusted = runner.invoke(
        args=["credentials", "verify", str(path), "--trust-registry", str(registry)]
    )
    assert trusted.exit_code == 0, trusted.output
    assert trusted.output.startswith("VERIFIED:")
    assert f"Issuer: {CO_OP} ({forger.did_key}" in trusted.output


# --- the batch: page, CSV, signed report ----------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, content in files.items():
            zipped.writestr(name, content)
    return archive.getvalue()


def _run_batch(client: FlaskClient, files: dict[str, bytes]) -> str:
    response = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(_zip(files)), "applicants.zip")},
    )
    assert response.status_code == 303, text(response)[:3000]
    return response.headers["Location"]


def _csv_rows(client: FlaskClient, location: str) -> dict[str, dict[str, str]]:
    body = client.get(location + "/results.csv").get_data(as_text=True)
    return {row["Source"]: row for row in csv.DictReader(io.StringIO(body))}


def test_the_batch_lists_the_forgery_as_unlisted_in_the_csv_and_signed_report(
    client: FlaskClient,
    hr: User,
    real: IssuedCredential,
    forged: dict[str, Any],
    forger: Ed25519KeyPair,
) -> None:
    sign_in(client, hr)
    location = _run_batch(
        client,
        {
            "forged.json": json.dumps(forged).encode(),
            "real.json": real.credential_json.encode(),
            "transcript.pdf": b"%PDF-1.4 not a credential",
            "photo.png": samples.PNG,
        },
    )
    page = text(client.get(location))
    assert "Not on your trust list</strong>: claims to be “PD Hub”" in page
    assert forger.did_key in page
    assert "Skipped: not a credential" in page

    rows = _csv_rows(client, location)
    assert list(rows["forged.json"]) == [
        "Row",
        "Source",
        "Teacher",
        "Achievement",
        "Issuer",
        "Issuer identifier",
        "Issuer trusted",
        "Issued",
        "Verdict",
        "Recipient match",
        "Reasons",
    ]
    assert rows["forged.json"]["Verdict"] == UNLISTED
    assert rows["forged.json"]["Issuer identifier"] == forger.did_key
    assert rows["forged.json"]["Issuer trusted"] == "no"
    assert rows["forged.json"]["Issuer"] == (
        "Claims to be “PD Hub” (not on your trust list)"
    )
    assert rows["forged.json"]["Recipient match"] == "Not checked"
    assert rows["real.json"]["Verdict"] == "Verified"
    assert rows["real.json"]["Issuer"] == "PD Hub"
    assert rows["real.json"]["Issuer trusted"] == "yes"
    for skipped in ("transcript.pdf", "photo.png"):
        assert rows[skipped]["Verdict"] == "Skipped: not a credential"
        assert rows[skipped]["Reasons"].startswith("skipped: not a credential")

    report_bytes = client.get(location + "/report.json").data
    signature = client.get(location + "/report.jws").get_data(as_text=True)
    assert check_report_signature(report_bytes, signature)
    report = json.loads(report_bytes)
    assert report["counts"]["verified"] == 1
    assert report["counts"]["unlisted_issuer"] == 1
    assert report["counts"]["skipped"] == 2
    by_source = {row["source"]: row for row in report["results"]}
    assert by_source["forged.json"]["verdict"] == "unlisted_issuer"
    assert by_source["forged.json"]["issuer"] == {
        "identifier": forger.did_key,
        "trusted": False,
        "trustedName": None,
        "claimedName": "PD Hub",
    }
    assert by_source["forged.json"]["recipient_match"] == "not_checked"

    # The district lists the forger's DID: a new batch names it by the district.
    _list_in_district(client, forger.did_key)
    again = _csv_rows(
        client, _run_batch(client, {"forged.json": json.dumps(forged).encode()})
    )
    assert again["forged.json"]["Verdict"] == "Verified"
    assert again["forged.json"]["Issuer"] == CO_OP
    assert again["forged.json"]["Issuer trusted"] == "yes"


def test_once_the_platform_lists_the_did_every_verifier_sees_the_platforms_name(
    client: FlaskClient, forged: dict[str, Any], forger: Ed25519KeyPair
) -> None:
    admin = UserFactory(admin=True)
    sign_in(client, admin)
    page = _verify_page(client, forged)
    assert f">{UNLISTED}</h2>" in page
    assert 'href="/admin/trust"' in page
    response = client.post(
        "/admin/trust",
        data={"identifier": forger.did_key, "name": "State PD Registry"},
    )
    assert response.status_code == 303
    anonymous = client.application.test_client()
    page = _verify_page(anonymous, forged)
    assert ">Verified</h2>" in page
    assert "issued by <strong>State PD Registry</strong>" in page
    assert "trusted through PD Hub's trust list" in page
    body = anonymous.post("/api/v1/verify", json=forged).get_json()
    assert (body["verdict"], body["issuer"]["trustList"]) == ("verified", "platform")
