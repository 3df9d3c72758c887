"""A teacher launched from an LMS completes the module: the real Celery worker posts
the score to the platform's line item (a platform on loopback records it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.request import urlopen

import pytest
from sqlalchemy import select

from pdhub import tasks
from pdhub.accounts.models import User
from pdhub.extensions import db
from pdhub.learning.completion import complete_if_done
from pdhub.lti.models import LtiGradeLink, LtiRegistration
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    QuizAttemptFactory,
    SubmissionFactory,
)
from tests.lti.platform import CLAIM, SCORE_SCOPE, Platform
from tests.workers.conftest import Worker, wait_until

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@pytest.fixture
def lms(worker_settings: dict[str, object], worker_app) -> Iterator[Platform]:  # type: ignore[no-untyped-def]
    """The platform, allowed (plain http on loopback) for the app and the worker
    started after it."""
    platform = Platform()
    worker_settings["PDHUB_LTI_ALLOWED_HOSTS"] = platform.origin
    worker_app.config["PDHUB_LTI_ALLOWED_HOSTS"] = platform.origin
    with platform.running():
        yield platform
    worker_settings.pop("PDHUB_LTI_ALLOWED_HOSTS", None)
    worker_app.config["PDHUB_LTI_ALLOWED_HOSTS"] = ""


def test_the_worker_posts_the_completion_score_to_the_lms(
    lms: Platform, worker: Worker
) -> None:
    app = worker.app
    with app.app_context():
        district = DistrictFactory()
        db.session.add(
            LtiRegistration(
                district_id=district.id,
                name="Test LMS",
                issuer=lms.issuer,
                client_id=lms.client_id,
                auth_login_url=lms.auth_url,
                auth_token_url=lms.token_url,
                jwks_url=lms.jwks_url,
                deployment_ids=lms.deployment_id,
            )
        )
        module = ModuleFactory()
        slug = module.slug
        db.session.commit()
        db.session.remove()
        client = app.test_client()
        lms.tool_jwks = client.get("/lti/jwks.json").get_json()
        started = client.get(
            "/lti/login",
            query_string={
                "iss": lms.issuer,
                "login_hint": "lms-user-1",
                "client_id": lms.client_id,
            },
        )
        assert started.status_code == 302
        lms.next_claims = {
            CLAIM + "custom": {"module": slug},
            AGS: {"scope": [SCORE_SCOPE], "lineitem": lms.lineitem_url},
        }
        with urlopen(started.headers["Location"], timeout=10) as answer:  # noqa: S310
            form = json.loads(answer.read())
        launched = client.post("/lti/launch", data=form)
        assert launched.status_code == 303, launched.get_data(as_text=True)[:2000]

        teacher = db.session.scalar(select(User).where(User.email.like("terry@%")))
        assert teacher is not None
        enrollment = EnrollmentFactory(user=teacher, module=db.session.merge(module))
        QuizAttemptFactory(enrollment=enrollment, passed=True)
        SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
        assert complete_if_done(db.session, enrollment) is not None
        db.session.commit()  # the score job leaves for the worker
        db.session.remove()

    wait_until(lambda: lms.scores, timeout=60)
    worker.wait_for_log(tasks.POST_LTI_SCORE)
    assert lms.errors == []
    assert len(lms.scores) == 1
    score = lms.scores[0]
    assert score["userId"] == "lms-user-1"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (1, 1)
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"

    def recorded() -> bool:
        with app.app_context():
            try:
                link = db.session.scalar(select(LtiGradeLink))
                return link is not None and link.score_sent_at is not None
            finally:
                db.session.remove()

    wait_until(recorded, timeout=30)  # the worker commits after the platform answered
