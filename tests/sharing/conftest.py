"""A teacher with passed evidence (two files) in a module whose community spans two
districts, and the people around her."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from pdhub.db import utcnow
from pdhub.review.models import Decision, Review
from pdhub.submissions.models import Artifact, Submission
from pdhub.submissions.states import SubmissionStatus
from tests.communities import conftest as communities
from tests.communities.conftest import World
from tests.factories import ArtifactFactory, EnrollmentFactory, SubmissionFactory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


# The communities tests' people and signed-in clients, shared here.
world = communities.world
signed_in = communities.signed_in


@dataclass
class Evidence:
    submission: Submission
    plan: Artifact  # shared
    photo: Artifact  # kept back (it shows a student)
    review: Review


def passed_evidence(session: Session, world: World, teacher=None) -> Evidence:  # type: ignore[no-untyped-def]
    teacher = teacher or world.teacher
    enrollment = next(
        (e for e in teacher_enrollments(session, teacher)), None
    ) or EnrollmentFactory(user=teacher, module=world.module)
    submission = SubmissionFactory(
        enrollment=enrollment,
        status=SubmissionStatus.PASSED,
        submitted_at=utcnow(),
        context_text="Twenty-four seventh graders share twelve laptops in stations.",
        reflection_text="Rotating stations gave every student real device time.",
        links=[{"url": "https://example.org/slides", "title": "Station slides"}],
    )
    plan = ArtifactFactory(submission=submission, filename="station-plan.pdf")
    photo = ArtifactFactory(
        submission=submission, filename="class-photo.png", media_type="image/png",
        content=PNG,
    )  # fmt: skip
    version = submission.versions[-1]
    version.artifact_ids = [plan.id, photo.id]
    review = Review(
        version_id=version.id,
        submission_id=submission.id,
        coach_id=world.coach.id,
        scores={
            "context": {"level": "exemplary"},
            "artifacts": {"level": "proficient"},
            "reflection": {"level": "proficient"},
        },
        decision=Decision.PASSED,
        started_at=utcnow(),
    )
    session.add(review)
    session.flush()
    return Evidence(submission, plan, photo, review)


def teacher_enrollments(session: Session, teacher):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from pdhub.learning.models import Enrollment

    return list(
        session.scalars(select(Enrollment).where(Enrollment.user_id == teacher.id))
    )


@pytest.fixture
def evidence(session: Session, world: World) -> Evidence:
    return passed_evidence(session, world)
