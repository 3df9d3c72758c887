"""Shared verification fixtures: an issuer key, its status lists and credentials,
served in process by a test-only blueprint on an app of its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, abort
from sqlalchemy.orm import Session

from badges.keys import Ed25519KeyPair
from pdhub.trust.models import TrustedIssuer
from tests.verification import samples

BASE = "http://localhost"
REVOCATION_URL = f"{BASE}/test-documents/status/revocation"
SUSPENSION_URL = f"{BASE}/test-documents/status/suspension"


class Documents:
    """What the test-only blueprint serves, by path under /test-documents/."""

    def __init__(self, key: Ed25519KeyPair) -> None:
        self.key = key
        self.served: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.put(
            "status/revocation",
            samples.status_list(
                key, REVOCATION_URL, "revocation", (samples.REVOKED_INDEX,)
            ),
        )
        self.put(
            "status/suspension",
            samples.status_list(
                key, SUSPENSION_URL, "suspension", (samples.SUSPENDED_INDEX,)
            ),
        )

    def put(self, path: str, document: Any) -> str:
        self.served[path] = (
            document if isinstance(document, bytes) else json.dumps(document).encode()
        )
        return f"{BASE}/test-documents/{path}"

    def credential(self, **options: Any) -> dict[str, Any]:
        options.setdefault("list_url", REVOCATION_URL)
        return samples.credential(self.key, **options)

    def blueprint(self) -> Blueprint:
        bp = Blueprint("test_documents", __name__)

        @bp.get("/test-documents/<path:path>")
        def serve(path: str) -> Any:
            self.requests.append(path)
            if path not in self.served:
                abort(404)
            return self.served[path], 200, {"Content-Type": "application/json"}

        return bp


@pytest.fixture
def issuer() -> Ed25519KeyPair:
    return Ed25519KeyPair.generate()


@pytest.fixture
def documents(issuer: Ed25519KeyPair) -> Documents:
    return Documents(issuer)


#: The name the platform's trust list gives the test issuer.
TRUSTED_NAME = "Riverside PD Hub"


@pytest.fixture
def site(
    app_factory: Callable[..., Flask], documents: Documents, session: Session
) -> Flask:
    """An app whose own origin serves the test status lists and credentials; the
    test issuer is on the platform's trust list."""
    other = app_factory(PDHUB_BASE_URL=BASE)
    other.register_blueprint(documents.blueprint())
    session.add(
        TrustedIssuer(
            district_id=None, identifier=documents.key.did_key, name=TRUSTED_NAME
        )
    )
    session.flush()
    return other
