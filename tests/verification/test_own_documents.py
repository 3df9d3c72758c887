"""Verifying this deployment's own credentials reads its status lists and did:web
document from the database (no request to the app itself), and a change shows at the
next verification in the same process."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request, request_started

from pdhub.credentials import keys, service
from pdhub.extensions import db
from tests.factories import AwardFactory


def test_our_did_web_credential_verifies_without_requests_and_shows_a_revocation(
    app_factory: Callable[..., Flask],
) -> None:
    web = app_factory(
        PDHUB_BASE_URL="https://pd.example.org", SERVER_NAME="pd.example.org"
    )
    with web.app_context():
        old = service.issue_credential(db.session, AwardFactory().id)
        keys.rotate_key(db.session)
        new = service.issue_credential(db.session, AwardFactory().id)
        assert old is not None and new is not None
        db.session.commit()
        assert new.document["issuer"]["id"] == "did:web:pd.example.org"
        client = web.test_client()
        paths: list[str] = []

        def record(sender: Flask, **extra: object) -> None:
            paths.append(request.path)

        def verdicts() -> list[str]:
            return [
                client.post("/api/v1/verify", json=credential.document).get_json()[
                    "verdict"
                ]
                for credential in (old, new)
            ]

        with request_started.connected_to(record, web):
            assert verdicts() == ["verified", "verified"]
        # Only the two API requests: the status list and did.json were read directly.
        assert paths == ["/api/v1/verify", "/api/v1/verify"]

        service.revoke_credential(db.session, None, old, "Issued in error.")
        db.session.commit()
        assert verdicts() == ["revoked", "verified"]
        service.revoke_credential(db.session, None, new, "Issued in error.")
        db.session.commit()
        assert verdicts() == ["revoked", "revoked"]
