"""Issuing many awards at once: one credential each however often a chunk runs, one
notification and one email each, and the served status list still tells the truth."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub import jobs
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential, StatusList
from pdhub.notifications.models import EmailMessage, Notification
from tests.credentials.test_issuing import verify
from tests.factories import AwardFactory


def _count(session: Session, column: object) -> int:
    return session.scalar(select(func.count(column))) or 0  # type: ignore[arg-type]


def test_a_chunk_run_twice_issues_each_award_exactly_one_credential(
    session: Session, mail_log: Path
) -> None:
    awards = [AwardFactory() for _ in range(6)]
    ids = [award.id for award in awards]
    task = jobs.task("pdhub.issue_credentials")
    assert task.apply(args=[ids[:4]]).get() == 4
    # A redelivered chunk, and one overlapping it, with an id that does not exist.
    assert task.apply(args=[ids[:4]]).get() == 0
    assert task.apply(args=[[*ids[2:], 999_999]]).get() == 2
    credentials = session.scalars(select(IssuedCredential)).all()
    assert sorted(c.current_award_id for c in credentials) == sorted(ids)
    assert len({(c.revocation_list_id, c.revocation_index) for c in credentials}) == 6
    assert _count(session, Notification.id) == 6
    assert _count(session, EmailMessage.id) == 6
    assert _count(session, EmailMessage.sent_at) == 6  # delivered in process
    log = mail_log.read_text()
    for award in awards:
        assert log.count(f"To: {award.user.email}") == 1


def test_bulk_and_single_issuing_agree_on_exactly_one_credential(
    session: Session,
) -> None:
    award = AwardFactory()
    single = service.issue_credential(session, award.id)
    assert service.issue_credentials(session, [award.id]) == 0
    assert service.issue_credential(session, award.id) is single
    assert _count(session, IssuedCredential.id) == 1


def test_the_status_list_after_a_bulk_issue_verifies_and_flips_one_bit_on_revocation(
    session: Session, client: FlaskClient
) -> None:
    ids = [AwardFactory().id for _ in range(5)]
    assert service.issue_credentials(session, ids) == 5
    session.commit()
    credentials = session.scalars(select(IssuedCredential)).all()
    status_list = session.scalar(select(StatusList))
    assert status_list is not None
    assert {c.revocation_list_id for c in credentials} == {status_list.id}
    indexes = sorted(c.revocation_index for c in credentials)
    assert indexes != list(range(indexes[0], indexes[0] + 5))  # random, not in a row
    for credential in credentials:
        report = verify(credential.credential_json, client)
        assert report.verified, report.to_json()

    revoked = credentials[2]
    service.revoke_credential(session, None, revoked, "Issued by mistake.")
    session.commit()
    served = client.get(f"/status-lists/{status_list.id}").get_json()
    encoded = served["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=="))
    set_bits = [
        byte * 8 + offset
        for byte, value in enumerate(bits)
        if value
        for offset in range(8)
        if value & (0x80 >> offset)
    ]
    assert set_bits == [revoked.revocation_index]
    report = verify(revoked.credential_json, client)
    # The one status entry is a suspension entry (docs/status-lists.md): a list
    # reader sees it flagged; PD Hub's verifier adds that it is revoked, and when.
    assert report.check("status").detail == "the credential is suspended"
    for credential in credentials:
        if credential is not revoked:
            assert verify(credential.credential_json, client).verified


def test_bulk_issued_credentials_carry_their_own_teacher_and_module(
    session: Session,
) -> None:
    awards = [AwardFactory() for _ in range(3)]
    service.issue_credentials(session, [award.id for award in awards])
    for award in awards:
        credential = service.current_credential(session, award)
        assert credential is not None and credential.user_id == award.user_id
        document = json.loads(credential.credential_json)
        assert document["name"] == award.module.badge_name
        assert award.user.email not in credential.credential_json
