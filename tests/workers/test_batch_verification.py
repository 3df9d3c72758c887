"""Batch verification end to end on a real worker: a CSV of credential URLs and a ZIP
of credential files, posted to the API with a district token, chunked across tasks.

The credentials and their status list live on another site (a real HTTP server on
127.0.0.1), which the worker may fetch from only because it is allow-listed.
"""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask

from badges.keys import Ed25519KeyPair
from pdhub.accounts.models import Role, User
from pdhub.accounts.service import create_api_token
from pdhub.districts.models import District
from pdhub.extensions import db
from pdhub.trust.models import TrustedIssuer
from tests.conftest import ROOT, make_app
from tests.factories import PASSWORD_HASH
from tests.verification import samples
from tests.workers.conftest import Worker, _empty_tables, wait_until


class _Site(BaseHTTPRequestHandler):
    documents: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = self.documents.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body or b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_site() -> Iterator[tuple[str, dict[str, bytes]]]:
    documents: dict[str, bytes] = {}
    handler = type("Handler", (_Site,), {"documents": documents})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", documents
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def verify_worker(
    worker_app: Flask,
    worker_settings: dict[str, object],
    other_site: tuple[str, dict[str, bytes]],
    tmp_path: Path,
) -> Iterator[Worker]:
    origin, _ = other_site
    settings = {
        **worker_settings,
        "PDHUB_VERIFY_ALLOWED_HOSTS": origin,
        "PDHUB_VERIFY_BATCH_CHUNK": 3,
    }
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("PDHUB_")
    }
    env.update({key: str(value) for key, value in settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    app = make_app(settings)
    running = Worker(app, env, tmp_path / "worker.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()
        with app.app_context():
            db.engine.dispose()
        _empty_tables(worker_app)


def _district_token(app: Flask, trusted: str | None = None) -> str:
    """A district administrator's token; the district trusts the ``trusted`` DID."""
    with app.app_context():
        district = District(name="Riverside", join_code="RIVER1")
        admin = User(
            email="hr@riverside.example",
            name="Hana Reyes",
            password_hash=PASSWORD_HASH,
            role=Role.DISTRICT_ADMIN,
            district=district,
        )
        db.session.add(admin)
        if trusted is not None:
            db.session.add(
                TrustedIssuer(district=district, identifier=trusted, name="Partner PD")
            )
        db.session.flush()
        token = create_api_token(db.session, admin, "HR")
        db.session.commit()
        db.session.remove()
        return token


def _wait_for_report(client, location: str, token: str) -> dict:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"}

    def done() -> dict | None:  # type: ignore[type-arg]
        body = client.get(location, headers=headers).get_json()
        return body if body["status"] == "done" else None

    return wait_until(done, timeout=60, interval=0.2)


def test_a_csv_and_a_zip_are_verified_by_the_worker_in_chunks(
    verify_worker: Worker, other_site: tuple[str, dict[str, bytes]]
) -> None:
    origin, documents = other_site
    key = Ed25519KeyPair.generate()
    list_url = f"{origin}/status/1"
    documents["/status/1"] = json.dumps(
        samples.status_list(key, list_url, "revocation", (samples.REVOKED_INDEX,))
    ).encode()
    urls = []
    for number in range(7):
        index = samples.REVOKED_INDEX if number == 4 else number + 20
        documents[f"/creds/{number}.json"] = json.dumps(
            samples.credential(key, list_url=list_url, index=index)
        ).encode()
        urls.append(f"{origin}/creds/{number}.json")
    urls.append(f"{origin}/creds/missing.json")
    app = verify_worker.app
    token = _district_token(app, key.did_key)
    with app.app_context():
        _post_and_check(app, token, origin, key, list_url, urls, verify_worker)
        db.session.remove()


def _post_and_check(
    app: Flask,
    token: str,
    origin: str,
    key: Ed25519KeyPair,  # noqa: PLR0913
    list_url: str,
    urls: list[str],
    verify_worker: Worker,
) -> None:
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    started = client.post(
        "/api/v1/verify/batch",
        headers=auth,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO("\n".join(urls).encode()), "staff.csv")},
    )
    assert started.status_code == 202
    assert started.get_json()["status"] == "running"
    body = _wait_for_report(client, started.headers["Location"], token)
    verdicts = [result["verdict"] for result in body["results"]]
    assert verdicts == ["verified"] * 4 + ["revoked"] + ["verified"] * 2 + [
        "not_verified"
    ]
    assert body["verified"] == 6
    assert (
        verify_worker.log().count("pdhub.verify_batch_chunk") >= 3
    )  # 8 items, chunks of 3

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for number in range(4):
            zipped.writestr(
                f"c{number}.png",
                samples.as_png(
                    samples.credential(key, list_url=list_url, index=number + 40)
                ),
            )
        zipped.writestr("cover-letter.pdf", b"%PDF-1.4")
    started = client.post(
        "/api/v1/verify/batch",
        headers=auth,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(archive.getvalue()), "staff.zip")},
    )
    body = _wait_for_report(client, started.headers["Location"], token)
    assert body["verified"] == 4
    assert body["results"][0]["issuer"]["trustedName"] == "Partner PD"
    report = client.get(body["links"]["report"], headers=auth).get_json()
    assert report["counts"]["verified"] == 4 and report["district"] == "Riverside"
    assert report["counts"]["skipped"] == 1
    assert report["results"][4]["source"] == "cover-letter.pdf"


def test_our_own_credentials_show_a_revocation_at_once_in_the_api_and_the_batch(
    verify_worker: Worker,
) -> None:
    from flask import request_started

    from pdhub.credentials import service as credentials
    from tests.factories import AwardFactory

    app = verify_worker.app
    token = _district_token(app)
    auth = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        revoked = credentials.issue_credential(db.session, AwardFactory().id)
        kept = credentials.issue_credential(db.session, AwardFactory().id)
        assert revoked is not None and kept is not None
        assert revoked.revocation_list_id == kept.revocation_list_id
        db.session.commit()
        documents = [json.loads(revoked.credential_json), kept.document]
        revoked_id = revoked.id
        list_path = f"/status-lists/{revoked.revocation_list_id}"
        db.session.remove()
    client = app.test_client()
    requests: list[str] = []

    def record(sender: Flask, **extra: object) -> None:
        from flask import request

        requests.append(request.path)

    def verdicts() -> list[str]:
        single = [
            client.post("/api/v1/verify", json=document).get_json()["verdict"]
            for document in documents
        ]
        started = client.post(
            "/api/v1/verify/batch", headers=auth, json={"credentials": documents}
        )
        assert started.status_code == 202
        body = _wait_for_report(client, started.headers["Location"], token)
        assert [result["verdict"] for result in body["results"]] == single
        return single

    with app.app_context(), request_started.connected_to(record, app):
        assert verdicts() == ["verified", "verified"]
    # The status list was read without a request to the app itself.
    assert list_path not in requests
    assert requests.count("/api/v1/verify") == 2
    with app.app_context():
        credential = credentials.get_credential(db.session, revoked_id)
        credentials.revoke_credential(db.session, None, credential, "Not theirs.")
        db.session.commit()
        db.session.remove()
    # The same processes (this one and the worker), caches warm: revoked at once.
    with app.app_context():
        assert verdicts() == ["revoked", "verified"]
