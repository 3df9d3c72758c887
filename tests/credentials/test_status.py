"""Suspension that every verifier sees, reinstatement, revocation with a public reason
and an internal note, what the teacher is told and shown, and withdrawn keys."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.schema import schema_errors
from pdhub.credentials import issuing, keys, service, status
from pdhub.credentials.models import (
    IssuedCredential,
    IssuerKey,
    StatusList,
    StatusPurpose,
)
from pdhub.db import utcnow
from pdhub.learning.models import EnrollmentStatus
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.verification import service as verification
from pdhub.verification.models import Verdict
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text


@pytest.fixture
def credential(session: Session) -> IssuedCredential:
    award = AwardFactory()
    award.enrollment.status = EnrollmentStatus.COMPLETED
    award.enrollment.completed_at = utcnow()
    issued = service.issue_credential(session, award.id)
    assert issued is not None
    session.commit()
    return issued


def _old_style(session: Session) -> IssuedCredential:
    """A credential as issued before suspension lists: one revocation entry."""
    award = AwardFactory()
    issuer = issuing.Issuer(session)
    status_list, index = status.allocate(
        session, issuer.signer, StatusPurpose.REVOCATION
    )
    old = IssuedCredential(
        **issuer.build(award, status_list, index, utcnow().replace(microsecond=0))
    )
    session.add(old)
    session.commit()
    assert old.document["credentialStatus"]["statusPurpose"] == "revocation"
    return old


def _verdict(data: Any) -> verification.Outcome:
    return verification.verify(data)


def test_a_new_credential_carries_one_suspension_entry_the_strict_schema_accepts(
    credential: IssuedCredential,
) -> None:
    document = credential.document
    entry = document["credentialStatus"]
    assert isinstance(entry, dict)  # OB 3.0: one CredentialStatus object
    assert entry["statusPurpose"] == "suspension"
    assert entry["type"] == "BitstringStatusListEntry"
    assert schema_errors({k: v for k, v in document.items() if k != "proof"}) == []
    assert _verdict(credential.credential_json).verified


def test_our_verifier_sees_a_suspension_as_soon_as_the_list_changes_and_lifting_it(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    png = service.download(session, credential, "png")
    session.commit()
    service.suspend_credential(
        session, None, credential, "Under review by the district.", "Ticket 4471"
    )
    session.commit()
    for form in (credential.credential_json, png):
        outcome = _verdict(form)
        assert outcome.verdict is Verdict.SUSPENDED
        detail = outcome.report.check("status").detail
        assert "suspended by PD Hub on " in detail
        assert "Under review by the district." in detail
        assert "Ticket 4471" not in detail  # the internal note stays internal
    api = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(png), "badge.png")},
        content_type="multipart/form-data",
    ).get_json()
    assert api["verified"] is False and api["verdict"] == "suspended"

    service.reinstate_credential(session, None, credential)
    session.commit()
    assert _verdict(png).verified
    assert client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(png), "badge.png")},
        content_type="multipart/form-data",
    ).get_json()["verified"]


def test_a_revoked_credential_is_reported_revoked_with_date_and_public_reason(
    session: Session, credential: IssuedCredential
) -> None:
    service.suspend_credential(session, None, credential, "Checking.")
    service.revoke_credential(session, None, credential, "Plagiarised.", "Case 9")
    session.commit()
    outcome = _verdict(credential.credential_json)
    assert outcome.verdict is Verdict.REVOKED
    detail = outcome.report.check("status").detail
    assert "revoked by PD Hub on " in detail and "Plagiarised." in detail
    assert "Case 9" not in detail
    with pytest.raises(Exception, match="cannot be lifted"):
        service.reinstate_credential(session, None, credential)
    session.rollback()
    assert _verdict(credential.credential_json).verdict is Verdict.REVOKED


def test_an_older_credential_still_verifies_and_its_suspension_is_ours_to_report(
    session: Session,
) -> None:
    old = _old_style(session)
    assert _verdict(old.credential_json).verified
    assert not service.publishes_suspension(old)
    service.suspend_credential(session, None, old, "Under review.")
    session.commit()
    outcome = _verdict(old.credential_json)
    assert outcome.verdict is Verdict.SUSPENDED
    assert "Under review." in outcome.report.check("status").detail
    service.reinstate_credential(session, None, old)
    session.commit()
    assert _verdict(old.credential_json).verified
    service.revoke_credential(session, None, old, "Issued by mistake.")
    session.commit()
    outcome = _verdict(old.credential_json)
    assert outcome.verdict is Verdict.REVOKED
    assert "Issued by mistake." in outcome.report.check("status").detail


def test_the_teacher_is_told_of_each_change_with_the_public_reason_only(
    session: Session, credential: IssuedCredential, mail_log: Path
) -> None:
    service.suspend_credential(session, None, credential, "Evidence unclear.", "N1")
    service.reinstate_credential(session, None, credential)
    service.revoke_credential(
        session, None, credential, "Evidence copied.", "HR case QX-7"
    )
    session.commit()
    notes = session.scalars(
        select(Notification.message)
        .where(Notification.user_id == credential.user_id)
        .order_by(Notification.id)
    ).all()
    name = credential.award.module.badge_name
    assert notes[-3:] == [
        f"Your {name} badge was suspended. Reason: Evidence unclear.",
        f"Your {name} badge is in good standing again: its suspension was lifted.",
        f"Your {name} badge was revoked. Reason: Evidence copied.",
    ]
    mails = session.scalars(
        select(EmailMessage)
        .where(EmailMessage.to == credential.user.email)
        .order_by(EmailMessage.id)
    ).all()
    subjects = [mail.subject for mail in mails[-3:]]
    assert subjects == [
        f"Your {name} badge was suspended",
        f"Your {name} badge is in good standing again",
        f"Your {name} badge was revoked",
    ]
    bodies = "\n".join(mail.body for mail in mails[-3:])
    assert "Reason: Evidence unclear." in bodies
    assert "Reason: Evidence copied." in bodies
    assert "N1" not in bodies and "N2" not in bodies


def test_every_page_that_lists_the_badge_shows_it_revoked_and_the_hours_leave_totals(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    teacher = credential.user
    hours = credential.award.module.hours
    sign_in(client, teacher)
    assert "Earned" in text(client.get("/learn"))
    assert "need your attention" not in text(client.get("/dashboard"))
    service.revoke_credential(
        session, None, credential, "Evidence copied.", "HR case QX-7"
    )
    session.commit()
    for path in ("/dashboard", "/learn", "/badges", f"/credentials/{credential.id}"):
        page = text(client.get(path))
        assert "Revoked" in page, path
        assert "Evidence copied." in page, path
        assert "HR case QX-7" not in page, path
    transcript = text(client.get("/transcript"))
    assert "0 PD hours counted" in transcript
    assert f"{hours:g} PD hours not counted" in transcript
    rows = list(csv.reader(io.StringIO(client.get("/transcript.csv").get_data(True))))
    assert rows[1][4:] == ["Revoked", "no (badge revoked)"]
    assert rows[-1] == ["Total PD hours counted", "", "0"]


def test_revoke_for_good_asks_to_confirm_and_the_form_says_what_is_public(
    session: Session, client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, UserFactory(admin=True))
    path = f"/admin/credentials/{credential.id}"
    page = text(client.get(path))
    assert "Public reason" in page and "Internal note" in page
    assert "Private: only platform administrators see it." in page
    no_reason = client.post(path, data={"action": "revoke", "reason": ""})
    assert no_reason.status_code == 422
    assert "Give a public reason" in text(no_reason)
    asked = client.post(
        path, data={"action": "revoke", "reason": "Copied.", "note": "From HR"}
    )
    assert asked.status_code == 200
    assert "cannot be undone" in text(asked)
    assert credential.revoked_at is None
    client.post(
        path,
        data={
            "action": "revoke",
            "reason": "Copied.",
            "note": "From HR",
            "confirmed": "yes",
        },
    )
    assert credential.revoked_at is not None
    service.set_shared(session, credential.user, credential, True)
    session.commit()
    client.post("/signout")
    public = text(client.get(f"/credentials/{credential.id}"))
    assert "Copied." in public and "From HR" not in public


@pytest.mark.parametrize("role", ["teacher", "coach", "district_admin"])
def test_only_platform_administrators_change_a_status_by_direct_url(
    client: FlaskClient, credential: IssuedCredential, role: str
) -> None:
    user = {
        "teacher": lambda: credential.user,
        "coach": lambda: UserFactory(coach=True),
        "district_admin": lambda: UserFactory(district_admin=True),
    }[role]()
    sign_in(client, user)
    path = f"/admin/credentials/{credential.id}"
    response = client.post(
        path, data={"action": "revoke", "reason": "x", "confirmed": "yes"}
    )
    assert response.status_code == 403
    assert credential.revoked_at is None


def test_a_withdrawn_key_stops_what_it_signed_after_the_leak_and_bulk_reissue(
    session: Session, app_factory: Any
) -> None:
    before = service.issue_credential(session, AwardFactory().id)
    assert before is not None
    session.commit()
    leaked = before.issuer_key
    time.sleep(1.1)  # issue times are whole seconds
    compromised_at = utcnow()
    time.sleep(1.1)
    # What the thief signs after the leak: a credential PD Hub never issued (here
    # with the real key, as a thief with the key would).
    forged = issuing.Issuer(session)
    forged_list, forged_index = status.allocate(session, forged.signer)
    forged_row = forged.build(
        AwardFactory(),
        forged_list,
        forged_index,
        utcnow().replace(microsecond=0),
    )
    session.rollback()
    forged_json = forged_row["credential_json"]
    assert _verdict(forged_json).verified  # before the key is withdrawn

    new_key = keys.withdraw_key(session, leaked, compromised_at)
    session.commit()
    assert new_key is not None and keys.current_key(session).id == new_key.id
    outcome = _verdict(forged_json)
    assert not outcome.verified
    assert "withdrawn because it leaked on" in outcome.report.check("issuer").detail
    assert outcome.report.check("issuer").code == "key_withdrawn"
    assert _verdict(before.credential_json).verified  # issued before the leak

    result = service.reissue_signed_by(session, leaked)
    session.commit()
    assert result.reissued == 1
    session.refresh(before)
    assert before.revoked_at is not None and before.replaced_by_id is not None
    replacement = session.get(IssuedCredential, before.replaced_by_id)
    assert replacement is not None and replacement.issuer_key_id == new_key.id
    assert _verdict(replacement.credential_json).verified

    # A did:web deployment lists the key but no longer for assertionMethod.
    web = app_factory(PDHUB_BASE_URL="https://pd.example.org")
    with web.app_context():
        document = keys.did_document(session)
    assert document is not None
    listed = [m["publicKeyMultibase"] for m in document["verificationMethod"]]
    assert leaked.public_key_multibase in listed
    assert not any(
        m.endswith(leaked.public_key_multibase) for m in document["assertionMethod"]
    )


def test_a_list_keeps_its_address_whatever_the_environment_of_the_change(
    session: Session, app_factory: Any, credential: IssuedCredential
) -> None:
    url = credential.document["credentialStatus"]["statusListCredential"]
    elsewhere = app_factory(PDHUB_BASE_URL="http://127.0.0.1:5000")
    with elsewhere.app_context():
        service.suspend_credential(session, None, credential, "Checking.")
        session.commit()
    status_list = session.get(StatusList, credential.revocation_list_id)
    assert status_list is not None and status_list.url == url
    served = json.loads(status.served_document(session, status_list))
    assert served["id"] == url
    assert _verdict(credential.credential_json).verdict is Verdict.SUSPENDED


def test_keys_are_found_by_number_multibase_or_did(
    session: Session, credential: IssuedCredential
) -> None:
    key = credential.issuer_key
    for reference in (str(key.id), key.public_key_multibase, key.did_key):
        assert keys.find_key(session, reference) is key
    assert keys.find_key(session, "nope") is None
    with pytest.raises(Exception, match="future"):
        keys.withdraw_key(session, key, utcnow() + timedelta(days=1))
    assert session.get(IssuerKey, key.id).withdrawn_at is None  # type: ignore[union-attr]


def test_the_first_verification_of_a_fresh_badge_signs_its_list_and_verifies(
    session: Session, credential: IssuedCredential
) -> None:
    """A status list is signed by its first read; that read happens inside a
    verification, whose "now" is a moment earlier. The list is valid from when it
    was made, so the very first check of a new badge does not say "the status list is
    not valid at this time"."""
    for status_list in session.scalars(select(StatusList)):
        status_list.signed_json = None  # as after allocation: never signed yet
        status_list.created_at = utcnow() - timedelta(minutes=5)
    session.commit()
    outcome = _verdict(credential.credential_json)
    assert outcome.report.check("status").passed, outcome.report.check("status").detail
    assert outcome.verdict is Verdict.VERIFIED
    signed = json.loads(session.scalars(select(StatusList)).first().signed_json)
    assert signed["validFrom"] < credential.document["validFrom"]
