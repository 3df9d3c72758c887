"""Badges that expire: a module's validity period becomes the credential's
validUntil; teachers are reminded 60 and 14 days before (once per stage); an
expired badge verifies as "expired on …", shows as lapsed, and is renewed by
passing the knowledge check again, which issues a new credential pointing back."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.dids import Resolver
from badges.schema import schema_errors
from badges.verify import verify_credential
from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.credentials import expiry, issuing, renewal, status
from pdhub.credentials import service as credentials
from pdhub.credentials.models import Award, IssuedCredential
from pdhub.db import utcnow
from pdhub.learning import service as learning
from pdhub.notifications.models import Notification
from tests.factories import AwardFactory, ModuleFactory, QuizAttemptFactory
from tests.helpers import sign_in, text


def _award(**module: Any) -> Award:
    award = AwardFactory(enrollment__module=ModuleFactory(valid_for_days=365, **module))
    QuizAttemptFactory(enrollment=award.enrollment, passed=True)
    return award


def _issued_days_ago(session: Session, award: Award, days: int) -> IssuedCredential:
    """The award's credential as the issuing path signs it, issued ``days`` ago."""
    issuer = issuing.Issuer(session)
    status_list, index = status.allocate(session, issuer.signer)
    when = (utcnow() - timedelta(days=days)).replace(microsecond=0)
    credential = IssuedCredential(**issuer.build(award, status_list, index, when))
    session.add(credential)
    session.flush()
    return credential


def _messages(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(Notification.message).where(Notification.user_id == user.id)
        )
    )


def test_a_module_validity_period_becomes_valid_until(
    session: Session, client: FlaskClient
) -> None:
    award = _award()
    credential = credentials.issue_credential(session, award.id)
    assert credential is not None and credential.valid_until is not None
    document = credential.document
    assert schema_errors(document) == []
    assert document["validUntil"] == (
        credential.issued_at + timedelta(days=365)
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = verify_credential(
        document,
        resolver=Resolver(),
        status_fetcher=lambda url: client.get(
            url.removeprefix("http://localhost")
        ).get_data(),
    )
    assert report.verified, report.to_json()


def test_reminders_go_out_60_and_14_days_before_once_each(
    session: Session, mail_log: Path
) -> None:
    award = _award(badge_name="Source Checker")
    credential = _issued_days_ago(session, award, 365 - 50)  # 50 days left
    _issued_days_ago(session, _award(), 10)  # 355 days left: not yet
    task = jobs.task(tasks.SEND_EXPIRY_REMINDERS)
    assert task.apply().get() == 1
    assert task.apply().get() == 0  # the same stage is not sent twice
    ends = credential.valid_until
    assert ends is not None
    told = _messages(session, award.user)
    assert told == [
        f"Your Source Checker badge expires on {ends.date().isoformat()}. "
        "Renew it from My badges."
    ]
    # 40 days later it is 10 days from its end: the 14-day reminder, once.
    later = utcnow() + timedelta(days=40)
    assert expiry.send_expiry_reminders(session, later) == 1
    assert expiry.send_expiry_reminders(session, later) == 0
    assert len(_messages(session, award.user)) == 2


def test_an_expired_badge_says_so_everywhere_and_renews_by_the_knowledge_check(
    session: Session, client: FlaskClient
) -> None:
    award = _award()
    old = _issued_days_ago(session, award, 400)  # ended 35 days ago
    assert old.valid_until is not None and old.expired
    ended = old.valid_until.date().isoformat()
    session.commit()
    # A verifier is told plainly.
    page = text(client.post("/verify", data={"credential": old.credential_json}))
    main = page[page.find("<main") :]
    assert "This credential is authentic, but it expired on" in main
    assert "expired on " + ended in main  # each check, in ISO 8601 too
    verdict = client.post("/api/v1/verify", json=old.document).get_json()["verdict"]
    assert verdict == "expired"
    # The teacher sees it lapsed, on the transcript and on My badges.
    sign_in(client, award.user)
    assert "Lapsed" in text(client.get("/transcript"))
    badges = text(client.get("/badges"))
    assert "Expired" in badges and "Renew this badge" in badges
    # Renewing: the knowledge check again (the first pass no longer counts) ...
    response = client.post(f"/badges/{old.id}/renew", follow_redirects=False)
    assert response.status_code == 303
    assert f"/learn/{award.enrollment_id}/quiz" in response.headers["Location"]
    enrollment = award.enrollment
    assert learning.current_attempts(session, enrollment) == []
    paper = learning.next_paper(session, enrollment)
    answers = {
        f"q-{q.id}": [c.id for c in q.choices if c.correct]
        if q.choices
        else [f"{q.answer:g}"]
        for q in paper.questions
    }
    attempt = learning.submit_quiz(session, award.user, enrollment, answers)
    session.commit()  # graded after the commit; the pass issues the renewal
    session.refresh(attempt)
    assert attempt.passed
    session.refresh(old)
    assert old.replaced_by_id is not None and old.revoked_at is None
    renewed = session.get(IssuedCredential, old.replaced_by_id)
    assert renewed is not None and not renewed.expired
    document = renewed.document
    assert schema_errors(document) == []
    assert any(
        e.get("id") == f"http://localhost/credentials/{old.id}"
        and old.id in e.get("narrative", "")
        for e in document["evidence"]
    )
    assert renewed.valid_until is not None and renewed.valid_until > utcnow()
    assert "Renew this badge" not in text(client.get("/badges"))
    # Passing once more renews nothing twice.
    assert renewal.finish_if_renewing(session, attempt) is None


def test_only_a_badge_near_its_end_may_be_renewed_and_only_by_its_owner(
    session: Session, client: FlaskClient
) -> None:
    award = _award()
    fresh = credentials.issue_credential(session, award.id)
    assert fresh is not None
    other = _award()
    lapsed = _issued_days_ago(session, other, 400)
    session.commit()
    sign_in(client, award.user)
    client.post(f"/badges/{fresh.id}/renew")
    assert renewal.open_for(session, award.enrollment) is None  # a year left
    # Someone else's badge, even one that could be renewed: 404.
    assert client.post(f"/badges/{lapsed.id}/renew").status_code == 404
    assert renewal.open_for(session, other.enrollment) is None
    assert json.loads(lapsed.credential_json)["validUntil"]
