"""The teacher's dashboard, My learning page and PD-hours transcript."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.credentials.models import Award
from pdhub.learning.models import EnrollmentStatus, LessonProgress
from tests.factories import EnrollmentFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text


def test_dashboard_shows_progress_completed_modules_and_badges(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    going = EnrollmentFactory(user=teacher, module=ModuleFactory(title="Halfway there"))
    session.add(
        LessonProgress(enrollment_id=going.id, lesson_id=going.module.lessons[0].id)
    )
    done = EnrollmentFactory(
        user=teacher,
        module=ModuleFactory(title="All done", hours=2.5),
        status=EnrollmentStatus.COMPLETED,
        completed_at=datetime(2026, 3, 4, tzinfo=UTC),
    )
    session.add(
        Award(enrollment_id=done.id, user_id=teacher.id, module_id=done.module_id)
    )
    session.flush()
    sign_in(client, teacher)
    page = text(client.get("/dashboard"))
    # The dashboard: the one next step, and the rest at a glance.
    assert "Your next step" in page
    assert "Halfway there" in page and "1 of 5 steps done" in page
    assert "Next: Lesson 2" in page and "Continue" in page
    read = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "1 in progress" in read and "1 completed" in read and "1 badge" in read
    assert "completed 4 Mar 2026" not in page  # the lists are on My learning
    learning = text(client.get("/learn"))
    assert "Halfway there" in learning
    assert "All done" in learning and "completed 4 Mar 2026" in learning
    assert "All done badge" in learning and 'alt="A round badge."' in learning
    assert "Your next step" not in learning  # two pages, two jobs
    nav = client.get("/dashboard").get_data(as_text=True)
    assert ">Catalog</a>" in nav and ">My learning</a>" in nav


def test_transcript_lists_completed_modules_and_downloads_safe_csv(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    EnrollmentFactory(
        user=teacher,
        module=ModuleFactory(title='=HYPERLINK("x")', hours=3.0),
        status=EnrollmentStatus.COMPLETED,
        completed_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    EnrollmentFactory(user=teacher, module=ModuleFactory(title="Not finished"))
    sign_in(client, teacher)
    page = text(client.get("/transcript"))
    assert "3 PD hours counted, from 1 completed module" in page
    assert "Not finished" not in page
    response = client.get("/transcript.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "Module",
        "Version",
        "PD hours",
        "Completed at (ISO 8601, with UTC offset)",
        "Badge status",
        "Counted",
    ]
    assert rows[1] == [
        '\'=HYPERLINK("x")',
        "1",
        "3",
        "2026-05-01T00:00:00+00:00",
        "Valid",
        "yes",
    ]


def test_coaches_see_the_catalog_but_not_my_learning(
    session: Session, client: FlaskClient
) -> None:
    sign_in(client, UserFactory(coach=True))
    nav = client.get("/dashboard").get_data(as_text=True)
    assert ">Catalog</a>" in nav and ">My learning</a>" not in nav
