"""A real worker whose files live in an S3-compatible store (SeaweedFS on loopback),
configured the way a deployment is: through PDHUB_STORAGE_* environment variables."""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from pdhub.extensions import db
from pdhub.privacy import encryption
from tests.conftest import make_app
from tests.factories import EnrollmentFactory, SubmissionFactory, UserFactory
from tests.objectstore import ACCESS, BUCKET, SECRET, raw_client
from tests.workers.conftest import Worker, wait_until


@pytest.fixture(scope="module")
def worker_settings(
    settings: dict[str, object],
    worker_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    seaweedfs: str,
) -> dict[str, object]:
    from tests.conftest import REDIS_URL, RUN_ID

    return {
        **settings,
        "PDHUB_DATABASE_URL": worker_database_url,
        "PDHUB_INSTANCE_PATH": str(tmp_path_factory.mktemp("worker-s3-instance")),
        "PDHUB_REDIS_URL": REDIS_URL,
        "PDHUB_TASK_QUEUE": f"pdhub-test-{RUN_ID}",
        "PDHUB_SWEEP_AFTER_SECONDS": 0,
        "PDHUB_STORAGE_URL": f"s3://{BUCKET}/worker-{secrets.token_hex(4)}",
        "PDHUB_STORAGE_ENDPOINT": seaweedfs,
        "PDHUB_STORAGE_ACCESS_KEY": ACCESS,
        "PDHUB_STORAGE_SECRET_KEY": SECRET,
        "PDHUB_STORAGE_TIMEOUT": 2.5,
    }


@pytest.fixture(scope="module")
def worker_app(worker_settings: dict[str, object]) -> Iterator[Flask]:
    application = make_app(worker_settings)
    with application.app_context():
        upgrade()
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()


def test_a_worker_builds_an_export_into_the_bucket_encrypted(
    worker: Worker, worker_settings: dict[str, object], seaweedfs: str
) -> None:
    from pdhub.accountdata.models import DataExport, ExportStatus
    from tests.helpers import sign_in

    app = worker.app
    with app.app_context():
        teacher = UserFactory(email="s3-export@example.org")
        SubmissionFactory(
            enrollment=EnrollmentFactory(user=teacher), context_text="Kept in S3"
        )
        db.session.commit()
        client = app.test_client()
        sign_in(client, teacher)
        db.session.remove()
        assert client.post("/account/data/export").status_code == 303

        def ready() -> DataExport | None:
            db.session.remove()
            found = db.session.scalars(select(DataExport)).one()
            return found if found.status is ExportStatus.READY else None

        export = wait_until(ready, timeout=60)
        key = export.storage_key
        assert key is not None
    # The worker process (configured by environment variables) wrote it to the
    # bucket, encrypted, and nothing to its local disk.
    prefix = str(worker_settings["PDHUB_STORAGE_URL"]).split("/", 3)[3]
    s3 = raw_client(seaweedfs)
    body = s3.get_object(Bucket=BUCKET, Key=f"{prefix}/{key[:2]}/{key}")["Body"]
    ciphertext = body.read()
    assert not ciphertext.startswith(b"PK")
    with app.app_context():
        archive = zipfile.ZipFile(io.BytesIO(encryption.decrypt(ciphertext)))
    assert any(b"Kept in S3" in archive.read(name) for name in archive.namelist())
    assert not (Path(app.instance_path) / "uploads").exists()
