"""PDHUB_DATA_KEY rotation, as the README promises: with several keys (newest first)
everything encrypted under an older key still opens (evidence files, two-factor
secrets, issuer private keys), new data is encrypted with the newest key only, and
data whose key was dropped is refused, never read as garbage."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuerKey
from pdhub.privacy import encryption
from pdhub.submissions.storage import file_store
from tests.credentials.test_issuing import verify
from tests.factories import (
    PASSWORD,
    PDF_BYTES,
    ArtifactFactory,
    AwardFactory,
    EnrollmentFactory,
    SubmissionFactory,
    UserFactory,
    totp_for,
)


def test_several_data_keys_open_old_data_and_write_with_the_newest(
    app: Flask, app_factory, session: Session, settings: dict[str, object]
) -> None:
    old_key = str(settings["PDHUB_DATA_KEY"])
    # Written under the old key, by the test app.
    teacher = UserFactory(two_factor=True)
    submission = SubmissionFactory(enrollment=EnrollmentFactory(user=teacher))
    artifact = ArtifactFactory(submission=submission, content=PDF_BYTES)
    first = credentials.issue_credential(session, AwardFactory().id)
    assert first is not None
    session.commit()
    old_code = totp_for(teacher).now()

    new_key = Fernet.generate_key().decode()
    rotated = app_factory(PDHUB_DATA_KEY=f"{new_key},{old_key}")
    with rotated.app_context():
        # Each kind of secret still opens.
        assert file_store().read(artifact.storage_key) == PDF_BYTES
        issuer = session.query(IssuerKey).one()
        assert encryption.decrypt(issuer.private_key_encrypted)
        second = credentials.issue_credential(session, AwardFactory().id)
        assert second is not None
        report = verify(second.credential_json, rotated.test_client())
        assert report.check("proof").passed
        fresh = encryption.encrypt(b"new secret")
    # New data uses the newest key alone.
    assert MultiFernet([Fernet(new_key.encode())]).decrypt(fresh) == b"new secret"
    with pytest.raises(InvalidToken):  # the old key alone cannot open it
        Fernet(old_key.encode()).decrypt(fresh)

    # A person whose TOTP secret was encrypted under the old key still signs in.
    browser: FlaskClient = rotated.test_client()
    response = browser.post(
        "/signin", data={"email": teacher.email, "password": PASSWORD}
    )
    assert response.status_code == 303
    response = browser.post("/signin/code", data={"code": old_code})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/dashboard")

    # With the old key dropped, old data is refused as undecryptable.
    dropped = app_factory(PDHUB_DATA_KEY=new_key)
    with dropped.app_context(), pytest.raises(encryption.DecryptionError):
        file_store().read(artifact.storage_key)


def test_rotate_data_key_re_encrypts_everything_and_resumes_after_a_stop(
    app_factory, session: Session, settings: dict[str, object], tmp_path
) -> None:
    """`pdhub keys rotate-data-key` moves files and secrets to the newest key in
    batches; a run stopped part way is finished by running it again, and then the
    old key can be dropped without losing anything."""
    old_key = str(settings["PDHUB_DATA_KEY"])
    new_key = Fernet.generate_key().decode()
    instance = str(tmp_path)
    old = app_factory(PDHUB_INSTANCE_PATH=instance)
    with old.app_context():
        teacher = UserFactory(two_factor=True)
        contents = [PDF_BYTES + f"% file {n}\n".encode() for n in range(3)]
        artifacts = [
            ArtifactFactory(
                submission=SubmissionFactory(
                    enrollment=EnrollmentFactory(user=teacher)
                ),
                content=content,
            )
            for content in contents
        ]
        credentials.issue_credential(session, AwardFactory().id)
        session.commit()
        code_secret = totp_for(teacher).secret
        keys = [artifact.storage_key for artifact in artifacts]
        teacher_id = teacher.id

    rotated = app_factory(
        PDHUB_INSTANCE_PATH=instance, PDHUB_DATA_KEY=f"{new_key},{old_key}"
    )
    runner = rotated.test_cli_runner()

    def rotate(*args: str):  # type: ignore[no-untyped-def]
        with rotated.app_context():  # the command runs in this app, not the test's
            return runner.invoke(args=["keys", "rotate-data-key", *args])

    stopped = rotate("--batch-size", "1", "--limit", "2")
    assert stopped.exit_code == 0, stopped.output
    assert "Stopped at the limit" in stopped.output

    dropped = app_factory(PDHUB_INSTANCE_PATH=instance, PDHUB_DATA_KEY=new_key)
    with dropped.app_context():
        unreadable = 0
        for key in keys:
            try:
                file_store().read(key)
            except encryption.DecryptionError:
                unreadable += 1
        assert unreadable == 3  # the stop came before the files

    finished = rotate("--batch-size", "2")
    assert finished.exit_code == 0, finished.output
    assert "Done: everything is under the newest data key." in finished.output
    assert "stored files: 3 re-encrypted" in finished.output
    again = rotate()
    assert "stored files: 0 re-encrypted, 3 already current." in again.output

    session.expire_all()
    with dropped.app_context():
        for key, content in zip(keys, contents, strict=True):
            assert file_store().read(key) == content
        person = session.get(User, teacher_id)
        assert person is not None and totp_for(person).secret == code_secret
        for issuer in session.query(IssuerKey):
            assert encryption.decrypt(issuer.private_key_encrypted)
