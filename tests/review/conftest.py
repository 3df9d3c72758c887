"""Review fixtures: a district with a coach who serves it, and complete evidence."""

from __future__ import annotations

from typing import Any

import pytest

from pdhub.accounts.models import User
from pdhub.districts.models import District
from pdhub.submissions.models import Submission
from tests.factories import (
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    SubmissionFactory,
    UserFactory,
)

CONTEXT = (
    "I teach two sections of seventh grade science at a school where half of the "
    "students share devices. For this unit on ecosystems I planned a lesson that works "
    "offline first and uses the laptops only for the final modelling task."
)
REFLECTION = (
    "Planning for offline work first changed who could take part. In the exit tickets "
    "eighteen of twenty-four students explained a food web correctly, compared with "
    "eleven before the change. Next time I will pair students earlier and give the "
    "printed model to everyone on the first day so no one waits for a device."
)


def complete_evidence(**overrides: Any) -> dict[str, Any]:
    return {
        "context_text": CONTEXT,
        "reflection_text": REFLECTION,
        "links": [{"url": "https://example.org/lesson-plan", "title": "Lesson plan"}],
        **overrides,
    }


@pytest.fixture
def district() -> District:
    return DistrictFactory()


@pytest.fixture
def coach(district: District) -> User:
    coach = UserFactory(coach=True, district=district, name="Carla Coach")
    CoachAssignmentFactory(coach=coach, district=district)
    return coach


@pytest.fixture
def teacher(district: District) -> User:
    return UserFactory(district=district, name="Tess Teacher")


@pytest.fixture
def submitted_submission(teacher: User) -> Submission:
    return SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        **complete_evidence(),
    )


@pytest.fixture
def waiting_submission(teacher: User) -> Submission:
    """Complete evidence that passed screening and waits in the coach queue."""
    return SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        in_review=True,
        **complete_evidence(),
    )
