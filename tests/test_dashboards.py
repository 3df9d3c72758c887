"""Each role's dashboard says what waits for them and gives one clear next step; coaches
hear about new evidence once a day, in the app and by an email they can turn off."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub import tasks
from pdhub.accounts.models import User
from pdhub.admin.models import JobFailure
from pdhub.db import utcnow
from pdhub.districts.models import District
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.review import service as review
from pdhub.review.models import ReviewClaim
from tests.factories import (
    AwardFactory,
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    SchoolFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text


def words(response: object) -> str:
    """What a person reads on the page: no tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def _waiting(district: District, name: str, waited: timedelta) -> object:
    return SubmissionFactory(
        enrollment=EnrollmentFactory(user=UserFactory(district=district, name=name)),
        in_review=True,
        submitted_at=utcnow() - waited,
    )


def test_the_coach_dashboard_shows_waiting_claimed_and_oldest_wait(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    coach = UserFactory(coach=True, district=district, name="Carlos Coach")
    CoachAssignmentFactory(coach=coach, district=district)
    _waiting(district, "Olga Older", timedelta(days=3, hours=2))
    held = _waiting(district, "Hana Held", timedelta(hours=5))
    _waiting(DistrictFactory(), "Elsewhere Ed", timedelta(days=9))  # not in scope
    session.add(
        ReviewClaim(
            submission_id=held.id,
            coach_id=coach.id,
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    session.flush()
    sign_in(client, coach)
    response = client.get("/dashboard")
    page, read = text(response), words(response)
    assert "2 waiting for review" in read
    assert "1 claimed by you" in read
    assert "3 days oldest wait" in read
    # One clear next step: finish what the coach holds.
    assert f"Continue reviewing Hana Held's {held.enrollment.module.title}" in page
    assert f'href="/review/{held.id}"' in page
    assert "Elsewhere Ed" not in page


def test_with_nothing_claimed_the_next_step_is_the_oldest_submission(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    coach = UserFactory(coach=True, district=district)
    CoachAssignmentFactory(coach=coach, district=district)
    sign_in(client, coach)
    assert "Nothing is waiting" in text(client.get("/dashboard"))
    _waiting(district, "Olga Older", timedelta(days=1))
    page = text(client.get("/dashboard"))
    assert "Review the oldest submission" in page
    unassigned = UserFactory(coach=True, district=district)
    other = client.application.test_client()
    sign_in(other, unassigned)
    assert "not assigned to any school yet" in text(other.get("/dashboard"))


def test_coaches_get_one_daily_digest_in_the_app_and_by_email(
    session: Session,
) -> None:
    district = DistrictFactory()
    school = SchoolFactory(district=district)
    coach = UserFactory(coach=True, district=district, name="Carlos Coach")
    CoachAssignmentFactory(coach=coach, district=district)
    quiet = UserFactory(coach=True, district=district, review_digest_email=False)
    CoachAssignmentFactory(coach=quiet, district=district, school=school)
    idle = UserFactory(coach=True, district=district)
    CoachAssignmentFactory(coach=idle, district=DistrictFactory())
    _waiting(district, "New One", timedelta(hours=3))
    at_school = SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district, school=school)
        ),
        in_review=True,
        submitted_at=utcnow() - timedelta(hours=2),
    )
    _waiting(district, "Old One", timedelta(days=3))  # not new today
    assert at_school.id

    told = review.send_coach_digests(session)
    review.send_coach_digests(session)  # a rerun the same day tells nobody again
    session.flush()

    assert told == 2
    notes = {n.user_id: n.message for n in session.scalars(select(Notification)).all()}
    assert notes[coach.id] == "2 new submissions are waiting for your review."
    assert notes[quiet.id] == "1 new submission is waiting for your review."
    assert idle.id not in notes
    mails = session.scalars(select(EmailMessage)).all()
    assert [m.to for m in mails] == [coach.email]  # the quiet coach turned email off
    assert "/review" in mails[0].body and "/account" in mails[0].body


def test_a_coach_can_turn_the_daily_email_off_and_others_cannot(
    client: FlaskClient, session: Session
) -> None:
    coach = UserFactory(coach=True)
    sign_in(client, coach)
    assert "Email me a daily summary" in text(client.get("/account"))
    response = client.post("/account/email-preferences", data={})
    assert response.status_code == 303
    session.refresh(coach)
    assert coach.review_digest_email is False
    client.post("/account/email-preferences", data={"review_digest_email": "y"})
    session.refresh(coach)
    assert coach.review_digest_email is True

    teacher = UserFactory()
    other = client.application.test_client()
    sign_in(other, teacher)
    assert "Email me a daily summary" not in text(other.get("/account"))
    assert other.post("/account/email-preferences", data={}).status_code == 403


def test_the_district_dashboard_counts_its_own_district_and_says_what_is_next(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    admin = UserFactory(district_admin=True, district=district)
    sign_in(client, admin)
    assert "Add your schools" in text(client.get("/dashboard"))

    SchoolFactory(district=district)
    teachers = [UserFactory(district=district) for _ in range(3)]
    SubmissionFactory(enrollment=EnrollmentFactory(user=teachers[0]), in_review=True)
    AwardFactory(enrollment__user=teachers[1])
    other = DistrictFactory()
    for _ in range(4):  # another district's people and badges never count here
        AwardFactory(enrollment__user=UserFactory(district=other))
    page = words(client.get("/dashboard"))
    assert "Give your schools a coach" in page
    assert "3 teachers" in page
    assert "1 submission waiting for a coach" in page
    assert "1 badge earned" in page

    CoachAssignmentFactory(coach=UserFactory(coach=True), district=district)
    assert "Verify badges teachers show you" in text(client.get("/dashboard"))


def test_the_admin_dashboard_leads_with_failed_jobs(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(admin=True)
    sign_in(client, admin)
    assert "Manage districts" in text(client.get("/dashboard"))
    session.add(
        JobFailure(
            task_id="t-1",
            task_name=tasks.ISSUE_CREDENTIAL,
            args=[1],
            error="x",
            attempts=3,
        )
    )
    session.flush()
    page = words(client.get("/dashboard"))
    assert "Look at 1 failed job" in page
    people = session.scalar(select(func.count(User.id)).where(User.active.is_(True)))
    assert f"{people} {'person' if people == 1 else 'people'}" in page
    assert "1 people" not in page  # English plural: one person, two people
