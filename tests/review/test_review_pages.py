"""Coaches claim, score and decide; teachers follow their evidence and its feedback."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub import tasks
from pdhub.credentials.models import Award
from pdhub.db import utcnow
from pdhub.learning.models import EnrollmentStatus
from pdhub.notifications.models import Notification
from pdhub.review.models import CoachAssignment, Decision, Review, ReviewClaim
from pdhub.review.screening import finish_screening
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    CoachAssignmentFactory,
    EnrollmentFactory,
    QuizAttemptFactory,
    SchoolFactory,
    SubmissionFactory,
    SubmissionVersionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text
from tests.review.conftest import complete_evidence


def visible(response) -> str:  # type: ignore[no-untyped-def]
    """What a reader sees: the text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def scores(level: str = "proficient", feedback: str = "") -> dict[str, str]:
    data = {}
    for cid in ("context", "artifacts", "reflection"):
        data[f"level_{cid}"] = level
        data[f"feedback_{cid}"] = feedback
    return data


def test_the_queue_lists_served_teachers_oldest_first_with_their_wait(
    client, session: Session, coach, district, count_queries
) -> None:
    now = utcnow()
    newer = SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district, name="Nora Newer")
        ),
        in_review=True,
        submitted_at=now - timedelta(hours=5),
    )
    older = SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district, name="Olga Older")
        ),
        in_review=True,
        submitted_at=now - timedelta(days=3, hours=1),
    )
    SubmissionFactory(
        enrollment=EnrollmentFactory(user=UserFactory(name="Elsewhere Ed")),
        in_review=True,
    )
    SubmissionFactory(enrollment=EnrollmentFactory(user=coach), in_review=True)
    SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district, name="Dora Draft")
        )
    )
    sign_in(client, coach)
    count_queries.clear()
    page = text(client.get("/review"))
    assert len(count_queries) < 15
    assert "2 submissions waiting" in page
    assert page.index("Olga Older") < page.index("Nora Newer")
    assert "3 days" in page and "5 hours" in page
    for hidden in ("Elsewhere Ed", "Dora Draft", coach.name + "</td>"):
        assert hidden not in page
    filtered = text(client.get("/review", query_string={"waited": "1"}))
    assert "Olga Older" in filtered and "Nora Newer" not in filtered
    by_module = text(
        client.get("/review", query_string={"module": newer.enrollment.module_id})
    )
    assert "Nora Newer" in by_module and "Olga Older" not in by_module
    assert older.id


def test_a_coach_assigned_to_one_school_sees_only_that_school(
    client, session: Session, district
) -> None:
    north, south = SchoolFactory(district=district), SchoolFactory(district=district)
    coach = UserFactory(coach=True, district=district)
    CoachAssignmentFactory(coach=coach, district=district, school=north)
    SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district, school=north, name="Nadia North")
        ),
        in_review=True,
    )
    SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district, school=south, name="Sam South")
        ),
        in_review=True,
    )
    sign_in(client, coach)
    page = text(client.get("/review", query_string={"school": north.id}))
    assert "Nadia North" in page and "Sam South" not in page


def test_only_one_coach_can_hold_a_claim_until_it_expires(
    app: Flask, session: Session, coach, district, waiting_submission
) -> None:
    other = UserFactory(coach=True, district=district, name="Omar Other")
    CoachAssignmentFactory(coach=other, district=district)
    first, second = app.test_client(), app.test_client()
    sign_in(first, coach)
    sign_in(second, other)
    url = f"/review/{waiting_submission.id}/claim"
    assert first.post(url).headers["Location"] == f"/review/{waiting_submission.id}"
    refused = second.post(url, follow_redirects=True)
    assert "Carla Coach is reviewing this submission." in text(refused)
    assert "Carla Coach is reviewing" in text(second.get("/review"))
    # The review form is refused to the other coach, too.
    response = second.post(
        f"/review/{waiting_submission.id}", data={**scores(), "decision": "passed"}
    )
    assert "Carla Coach is reviewing this submission" in text(response)
    assert session.scalar(select(func.count(Review.id))) == 0
    # An unfinished claim expires; then the other coach may take it.
    session.get(ReviewClaim, waiting_submission.id).expires_at = utcnow() - timedelta(
        seconds=1
    )
    session.commit()
    assert second.post(url).status_code == 303
    assert session.get(ReviewClaim, waiting_submission.id).coach_id == other.id


def test_a_coach_cannot_review_their_own_or_an_unassigned_submission(
    client, session: Session, coach
) -> None:
    own = SubmissionFactory(enrollment=EnrollmentFactory(user=coach), in_review=True)
    stranger = SubmissionFactory(in_review=True)
    sign_in(client, coach)
    assert client.get(f"/review/{own.id}").status_code == 403
    assert client.get(f"/review/{stranger.id}").status_code == 404
    assert client.post(f"/review/{stranger.id}/claim").status_code == 404
    assert session.get(ReviewClaim, stranger.id) is None


def test_passed_is_refused_when_the_rubric_says_not_yet(
    client, session: Session, coach, waiting_submission
) -> None:
    sign_in(client, coach)
    client.post(f"/review/{waiting_submission.id}/claim")
    data = {**scores(), "level_reflection": "developing", "decision": "passed"}
    response = client.post(f"/review/{waiting_submission.id}", data=data)
    assert response.status_code == 422
    assert (
        "To pass, at least 3 of 3 criteria must be at a demonstrated level "
        "(Proficient, Exemplary); 2 are."
    ) in text(response)
    missing = {**scores(), "level_artifacts": "", "decision": "passed"}
    response = client.post(f"/review/{waiting_submission.id}", data=missing)
    assert "Choose a level for “Artifacts”." in text(response)
    assert waiting_submission.status is SubmissionStatus.IN_REVIEW


def test_needs_revision_then_resubmit_then_pass_keeps_the_history_and_awards(
    client, app: Flask, session: Session, coach, teacher, waiting_submission, mail_log
) -> None:
    QuizAttemptFactory(enrollment=waiting_submission.enrollment, passed=True)
    sign_in(client, coach)
    client.post(f"/review/{waiting_submission.id}/claim")
    data = {
        **scores(),
        "level_reflection": "developing",
        "decision": "needs_revision",
        "overall_feedback": "A strong lesson; say more about impact.",
    }
    refused = client.post(f"/review/{waiting_submission.id}", data=data)
    assert "Tell the teacher what would raise “Reflection”" in text(refused)
    data["feedback_reflection"] = "Compare the exit tickets before and after."
    response = client.post(f"/review/{waiting_submission.id}", data=data)
    assert response.status_code == 303
    assert waiting_submission.status is SubmissionStatus.NEEDS_REVISION
    assert "Subject: Your coach's feedback is ready" in mail_log.read_text()

    reader = app.test_client()
    sign_in(reader, teacher)
    page = text(reader.get(f"/submissions/{waiting_submission.id}"))
    assert "Status: Needs revision" in visible(
        reader.get(f"/submissions/{waiting_submission.id}")
    )
    assert "Compare the exit tickets before and after." in page
    assert "A strong lesson; say more about impact." in page

    # The teacher revises and resubmits (the learning feature's submit), screening
    # routes version 2, and the coach passes it.
    waiting_submission.status = SubmissionStatus.SUBMITTED
    waiting_submission.submitted_at = utcnow()
    version = SubmissionVersionFactory(
        submission=waiting_submission,
        number=2,
        **complete_evidence(
            reflection_text=complete_evidence()["reflection_text"]
            + " Before the change eleven students were right."
        ),
    )
    finish_screening(session, version.id)
    session.commit()
    client.post(f"/review/{waiting_submission.id}/claim")
    response = client.post(
        f"/review/{waiting_submission.id}",
        data={**scores("exemplary"), "decision": "passed"},
    )
    assert response.status_code == 303
    assert waiting_submission.status is SubmissionStatus.PASSED
    assert waiting_submission.enrollment.status is EnrollmentStatus.COMPLETED
    assert session.scalar(select(func.count(Award.id))) == 1
    page = text(reader.get(f"/submissions/{waiting_submission.id}"))
    assert "Status: Passed" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Version 1, submitted" in page and ": needs revision" in page
    keys = set(session.scalars(select(Notification.key)))
    assert {
        f"submission:{waiting_submission.id}:v1:needs_revision",
        f"submission:{waiting_submission.id}:v2:screened",
        f"submission:{waiting_submission.id}:v2:passed",
    } <= keys
    reviews = session.scalars(select(Review).order_by(Review.id)).all()
    assert [r.decision for r in reviews] == [Decision.NEEDS_REVISION, Decision.PASSED]


def test_the_teacher_follows_each_step_and_others_cannot_look(
    app: Flask, session: Session, teacher, submitted_submission
) -> None:
    reader = app.test_client()
    sign_in(reader, teacher)
    page = reader.get(f"/submissions/{submitted_submission.id}").get_data(as_text=True)
    current = re.search(r'aria-current="step">(.*?)</li>', page, re.S).group(1)
    assert "Now: </span>Submitted" in current
    finish_screening(session, submitted_submission.versions[0].id)
    session.commit()
    assert "Status: In review" in visible(
        reader.get(f"/submissions/{submitted_submission.id}")
    )
    stranger = app.test_client()
    sign_in(stranger, UserFactory())
    assert stranger.get(f"/submissions/{submitted_submission.id}").status_code == 404


def test_files_open_inline_when_safe_and_download_otherwise(
    app: Flask, session: Session, coach, teacher, waiting_submission
) -> None:
    from tests.factories import ArtifactFactory

    pdf = ArtifactFactory(submission=waiting_submission)
    doc = ArtifactFactory(
        submission=waiting_submission,
        filename="notes.docx",
        media_type="application/vnd.openxmlformats-officedocument."
        "wordprocessingml.document",
        content=b"PK\x03\x04 doc",
    )
    waiting_submission.versions[0].artifact_ids = [pdf.id, doc.id]
    session.commit()
    viewer = app.test_client()
    sign_in(viewer, coach)
    # One address per file (/files/<id>), for the teacher and the coaches alike.
    inline = viewer.get(f"/files/{pdf.id}?inline=1")
    assert inline.data.startswith(b"%PDF")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in inline.headers["Content-Security-Policy"]
    assert (
        viewer.get(f"/files/{pdf.id}")
        .headers["Content-Disposition"]
        .startswith("attachment")
    )
    download = viewer.get(f"/files/{doc.id}?inline=1")  # never inline: not safe
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/octet-stream"
    page = text(viewer.get(f"/review/{waiting_submission.id}"))
    assert "Open lesson-plan.pdf" in page and "Download notes.docx" in page
    assert f'href="/files/{pdf.id}?inline=1"' in page
    stranger = app.test_client()
    sign_in(stranger, UserFactory())
    assert stranger.get(f"/files/{pdf.id}?inline=1").status_code == 404
    # Another district's administrator, by direct address, finds nothing either.
    outsider = app.test_client()
    sign_in(outsider, UserFactory(district_admin=True))
    assert outsider.get(f"/files/{pdf.id}").status_code == 404
    # The old second address is gone.
    base = f"/submissions/{waiting_submission.id}/files"
    assert viewer.get(f"{base}/{pdf.id}").status_code == 404


def test_district_admins_assign_their_own_coaches(
    client, session: Session, district
) -> None:
    admin = UserFactory(district_admin=True, district=district)
    coach = UserFactory(coach=True, district=district, name="Cora New")
    outsider = UserFactory(coach=True, name="Otto Outside")
    school = SchoolFactory(district=district, name="Hill School")
    sign_in(client, admin)
    page = text(client.get("/review/coaches"))
    assert "Cora New" in page and "Otto Outside" not in page
    response = client.post(
        "/review/coaches", data={"coach": coach.id, "scope": f"s{school.id}"}
    )
    assert response.status_code == 303
    assert "Hill School" in text(client.get("/review/coaches"))
    refused = client.post(
        "/review/coaches", data={"coach": outsider.id, "scope": f"d{district.id}"}
    )
    assert refused.status_code == 422
    assert "We couldn't find that coach" in text(refused)
    assert "Otto Outside" not in text(refused)
    assignment = session.scalar(select(CoachAssignment))
    client.post(f"/review/coaches/{assignment.id}/remove")
    assert session.scalar(select(func.count(CoachAssignment.id))) == 0


def test_coach_ids_from_another_district_say_not_found_and_name_nobody(
    client, session: Session, district
) -> None:
    """Audit: posting coach=<any user id> read "Maya Teacher is not a coach." for
    people in other districts."""
    admin = UserFactory(district_admin=True, district=district)
    elsewhere = UserFactory(name="Maya Elsewhere")  # a teacher of another district
    other_coach = UserFactory(coach=True, name="Cody Elsewhere")
    sign_in(client, admin)
    for person in (elsewhere, other_coach):
        for scope in (f"d{district.id}", f"d{person.district_id}"):
            refused = client.post(
                "/review/coaches", data={"coach": person.id, "scope": scope}
            )
            assert refused.status_code == 422
            page = text(refused)
            assert person.name not in page and "is not a coach" not in page
            assert "couldn't find that coach" in page
    assert session.scalar(select(func.count(CoachAssignment.id))) == 0


def test_turnaround_shows_waiting_median_and_90th_percentile_per_coach_and_module(
    client, session: Session, coach, district
) -> None:
    now = utcnow()
    submission = None
    for hours in (1, 2, 3, 4, 10):
        submission = SubmissionFactory(
            enrollment=EnrollmentFactory(user=UserFactory(district=district)),
            status=SubmissionStatus.PASSED,
            submitted_at=now - timedelta(hours=hours),
        )
        version = submission.versions[0]
        version.submitted_at = now - timedelta(hours=hours)
        session.add(
            Review(
                version_id=version.id,
                submission_id=submission.id,
                coach_id=coach.id,
                scores={},
                decision=Decision.PASSED,
                started_at=now,
                decided_at=now,
            )
        )
    SubmissionFactory(
        enrollment=EnrollmentFactory(user=UserFactory(district=district)),
        in_review=True,
    )
    SubmissionFactory(in_review=True)  # another district: not counted
    session.flush()
    sign_in(client, UserFactory(district_admin=True, district=district))
    page = text(client.get("/review/turnaround"))
    assert "Waiting now 1" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "3.0 h" in page  # median of 1, 2, 3, 4, 10 hours
    assert "10.0 h" in page  # 90th percentile (nearest rank)
    assert "Carla Coach" in page and submission.enrollment.module.title in page


def test_administrators_see_failed_jobs_and_send_them_again(
    client, session: Session, submitted_submission
) -> None:
    from pdhub.admin.service import record_job_failure

    failure = record_job_failure(
        session,
        task_id="abc",
        task_name=tasks.SCREEN_SUBMISSION,
        args=[submitted_submission.versions[0].id],
        error="TypeError: bad rubric",
        attempts=7,
    )
    sign_in(client, UserFactory(admin=True))
    page = text(client.get("/admin/jobs"))
    assert "TypeError: bad rubric" in page and "Failed jobs" in page
    assert client.post(f"/admin/jobs/{failure.id}/retry").status_code == 303
    assert failure.retried_at is not None
    assert submitted_submission.status is SubmissionStatus.IN_REVIEW
    assert "No failed jobs" in text(client.get("/admin/jobs"))
