"""POST /api/v1/verify/batch and GET /api/v1/verify/batch/<id>: district API tokens
only, results only for the district that ran the batch, a CSV and a signed report."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

from flask import Flask
from sqlalchemy.orm import Session

from pdhub.accounts.service import create_api_token
from pdhub.verification.report import check_report_signature
from tests.factories import UserFactory
from tests.verification import samples
from tests.verification.fixtures import Documents


def _token(session: Session, **traits: object) -> str:
    user = UserFactory(**traits)
    token = create_api_token(session, user, "HR system")
    session.flush()
    return token


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_batch_needs_a_district_administrators_token(
    site: Flask, session: Session
) -> None:
    client = site.test_client()
    body = {"urls": ["https://x.example/credentials/1"]}
    missing = client.post("/api/v1/verify/batch", json=body)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.mimetype == "application/problem+json"
    wrong = client.post("/api/v1/verify/batch", json=body, headers=_auth("pdh_nope"))
    assert wrong.status_code == 401
    teacher = client.post(
        "/api/v1/verify/batch", json=body, headers=_auth(_token(session))
    )
    assert teacher.status_code == 403
    assert client.get("/api/v1/verify/batch/1").status_code == 401


def test_a_batch_of_credentials_runs_to_a_csv_and_a_signed_report(
    site: Flask, session: Session, documents: Documents
) -> None:
    token = _token(session, district_admin=True)
    good = documents.credential(teacher='=HYPERLINK("http://evil")')
    revoked = documents.credential(index=samples.REVOKED_INDEX)
    forged = documents.credential()
    forged["credentialSubject"]["creditsEarned"] = 99
    jwt = samples.as_jwt(documents.key, documents.credential())
    client = site.test_client()
    started = client.post(
        "/api/v1/verify/batch",
        headers=_auth(token),
        json={"credentials": [good, revoked, forged, jwt, "garbage"]},
    )
    assert started.status_code == 202, started.get_data(as_text=True)
    location = started.headers["Location"]
    # Jobs run in process here (no Redis), so the batch is done when the POST returns.
    body = client.get(location, headers=_auth(token)).get_json()
    assert body["status"] == "done"
    assert body["total"] == 5 and body["checked"] == 5 and body["verified"] == 2
    assert [r["verdict"] for r in body["results"]] == [
        "verified",
        "revoked",
        "not_verified",
        "verified",
        "not_verified",
    ]
    assert body["results"][2]["checks"][2] == {
        "name": "proof",
        "passed": False,
        "code": "proof_invalid",
        "detail": body["results"][2]["checks"][2]["detail"],
    }

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(body["links"]["csv"], headers=_auth(token)).get_data(
                    as_text=True
                )
            )
        )
    )
    assert rows[0] == [
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
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'  # a spreadsheet shows it as text
    assert rows[2][8] == "Revoked"

    report = client.get(body["links"]["report"], headers=_auth(token)).get_data()
    signature = client.get(
        body["links"]["reportSignature"], headers=_auth(token)
    ).get_data(as_text=True)
    assert check_report_signature(report, signature) == json.loads(report)["signedBy"]
    assert (
        check_report_signature(report.replace(b"revoked", b"verified"), signature)
        is None
    )
    csv_bytes = client.get(body["links"]["csv"], headers=_auth(token)).get_data()
    assert (
        json.loads(report)["resultsCsvSha256"] == hashlib.sha256(csv_bytes).hexdigest()
    )


def test_another_districts_token_cannot_see_the_batch(
    site: Flask, session: Session, documents: Documents
) -> None:
    mine = _token(session, district_admin=True)
    theirs = _token(session, district_admin=True)
    client = site.test_client()
    location = client.post(
        "/api/v1/verify/batch",
        headers=_auth(mine),
        json={"credentials": [documents.credential()]},
    ).headers["Location"]
    assert client.get(location, headers=_auth(theirs)).status_code == 404
    assert (
        client.get(location + "/results.csv", headers=_auth(theirs)).status_code == 404
    )
    assert client.get(location, headers=_auth(mine)).status_code == 200


def test_a_zip_and_a_csv_upload_are_accepted(
    site: Flask, session: Session, documents: Documents
) -> None:
    token = _token(session, district_admin=True)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.json", json.dumps(documents.credential()))
        zipped.writestr("b/c.png", samples.as_png(documents.credential()))
        zipped.writestr("notes.docx", b"not a credential")
    client = site.test_client()
    zip_batch = client.post(
        "/api/v1/verify/batch",
        headers=_auth(token),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(archive.getvalue()), "staff.zip")},
    ).get_json()
    # The .docx is listed as skipped, not silently dropped.
    assert zip_batch["total"] == 3 and zip_batch["verified"] == 2
    results = client.get(zip_batch["links"]["self"], headers=_auth(token)).get_json()
    skipped = results["results"][2]
    assert (skipped["source"], skipped["verdict"]) == ("notes.docx", "skipped")
    assert skipped["reasons"] == ["skipped: not a credential"]
    url = documents.put("creds/1.json", documents.credential())
    csv_batch = client.post(
        "/api/v1/verify/batch",
        headers=_auth(token),
        content_type="multipart/form-data",
        data={
            "file": (
                io.BytesIO(f"url\n{url}\nhttps://10.0.0.1/c/2\n".encode()),
                "staff.csv",
            )
        },
    ).get_json()
    result = client.get(
        f"/api/v1/verify/batch/{csv_batch['id']}", headers=_auth(token)
    ).get_json()
    assert [r["verdict"] for r in result["results"]] == ["verified", "not_verified"]
    assert (
        "10.0.0.1, which is not a public internet address"
        in result["results"][1]["checks"][0]["detail"]
    )


def test_bad_batches_get_problem_documents(site: Flask, session: Session) -> None:
    token = _token(session, district_admin=True)
    client = site.test_client()
    cases = [
        ({"json": {"urls": "nope"}}, 422),
        ({"json": {"urls": []}}, 422),
        ({"json": {"urls": ["https://x.example/1"] * 10_001}}, 422),
        ({"json": {"credentials": [5]}}, 422),
        ({"json": {"other": 1}}, 422),
        ({"data": b"{oops", "content_type": "application/json"}, 400),
        ({"data": b"x", "content_type": "text/plain"}, 415),
        (
            {
                "data": {"file": (io.BytesIO(b"PK\x03\x04broken"), "x.zip")},
                "content_type": "multipart/form-data",
            },
            422,
        ),
    ]
    for kwargs, status in cases:
        response = client.post("/api/v1/verify/batch", headers=_auth(token), **kwargs)
        assert response.status_code == status, (kwargs, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"
