"""A badge issued by PD Hub verifies on PD Hub's own verify page and API, and shows as
revoked there once an administrator revokes it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub import demo
from pdhub.accounts.models import Role, User
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from tests.conftest import ROOT
from tests.helpers import text


def test_an_issued_badge_verifies_by_address_and_as_a_file_until_revoked(
    app: Flask, session: Session
) -> None:
    demo.prepare(session, ROOT / "modules")
    session.commit()  # the demo teacher's credential is issued after this commit
    # Maya's badge (the demo also holds Leo's badge that expires soon).
    issued = session.scalars(
        select(IssuedCredential)
        .join(User, User.id == IssuedCredential.user_id)
        .where(User.email == demo.ACCOUNTS[0].email)
    ).one()
    teacher = session.get(User, issued.award.user_id)
    assert teacher.email == demo.ACCOUNTS[0].email

    # The demo shares this badge into a community (which makes it public); start
    # from a badge that is not shared.
    issued.shared = False
    session.commit()
    browser = app.test_client()
    address = f"http://localhost/credentials/{issued.id}"
    page = text(browser.post("/verify", data={"url": address}))
    assert "Ask the teacher to share this badge, or to send you the file" in page

    issued.shared = True
    session.commit()
    page = text(browser.post("/verify", data={"url": address}))
    assert "Verified" in page
    assert issued.document["credentialSubject"]["achievement"]["name"] in page

    api = browser.post("/api/v1/verify", json=issued.document)
    assert api.status_code == 200
    assert api.json["verified"] is True
    assert {check["name"] for check in api.json["checks"]} >= {
        "structure",
        "schema",
        "proof",
        "issuer",
        "validity",
        "status",
    }

    admin_email = next(a.email for a in demo.ACCOUNTS if a.role is Role.ADMIN)
    admin = session.scalar(select(User).where(User.email == admin_email))
    credentials.revoke_credential(session, admin, issued, reason="Issued in error")
    session.commit()
    api = browser.post("/api/v1/verify", json=issued.document)
    assert api.json["verified"] is False
    assert api.json["verdict"] == "revoked"
    page = text(browser.post("/verify", data={"url": address}))
    assert "Revoked" in page
