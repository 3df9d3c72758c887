"""People see times in their own time zone: their choice, else their district's,
else UTC; machine-readable exports keep ISO 8601 with an offset."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.learning.models import EnrollmentStatus
from pdhub.notifications.service import notify
from pdhub.templating import format_date, format_datetime, format_time
from tests.factories import (
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    UserFactory,
)
from tests.helpers import sign_in, text

# 15:15 UTC on 7 December is 9:15 AM in Chicago (CST) and 11:15 AM in Puerto Rico.
NOTICE_AT = datetime(2026, 12, 7, 15, 15, tzinfo=UTC)
# 03:00 UTC on 1 May is still 30 April (10 PM CDT) in Chicago.
COMPLETED_AT = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


def _notice(session: Session, user: User) -> None:
    notification = notify(session, user, "tz:1", "A coach reviewed your evidence.")
    notification.created_at = NOTICE_AT
    session.flush()


def test_times_read_in_a_twelve_hour_clock_with_the_zone_abbreviation() -> None:
    new_york = ZoneInfo("America/New_York")
    assert format_datetime(datetime(2026, 12, 7, 14, 15, tzinfo=UTC), new_york) == (
        "7 Dec 2026, 9:15 AM EST"
    )
    assert format_time(datetime(2026, 7, 1, 16, 5, tzinfo=UTC), new_york) == (
        "12:05 PM EDT"
    )
    # A zone without a letter abbreviation shows its offset, not "-03".
    assert format_time(NOTICE_AT, ZoneInfo("America/Sao_Paulo")) == "12:15 PM UTC-3"
    assert format_time(NOTICE_AT, ZoneInfo("Asia/Kolkata")) == "8:45 PM IST"
    assert format_time(NOTICE_AT, ZoneInfo("Asia/Kathmandu")) == "9:00 PM UTC+5:45"
    assert format_datetime(NOTICE_AT) == "7 Dec 2026, 3:15 PM UTC"
    # The day is the day in the zone too.
    assert format_datetime(NOTICE_AT, ZoneInfo("Asia/Tokyo")) == (
        "8 Dec 2026, 12:15 AM JST"
    )


def test_a_date_without_a_time_is_never_shifted() -> None:
    honolulu = ZoneInfo("Pacific/Honolulu")
    assert format_date(date(2026, 12, 7), honolulu) == "7 Dec 2026"
    assert format_date(datetime(2026, 12, 7, 3, 0, tzinfo=UTC), honolulu) == (
        "6 Dec 2026"
    )


def test_a_teacher_in_chicago_sees_notification_and_transcript_in_central_time(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory(time_zone="America/Chicago")
    _notice(session, teacher)
    EnrollmentFactory(
        user=teacher,
        module=ModuleFactory(title="Questioning", hours=2.0),
        status=EnrollmentStatus.COMPLETED,
        completed_at=COMPLETED_AT,
    )
    sign_in(client, teacher)
    assert "7 Dec 2026, 9:15 AM CST" in text(client.get("/notifications"))
    transcript = text(client.get("/transcript"))
    assert "30 Apr 2026" in transcript and "1 May 2026" not in transcript


def test_a_teacher_without_a_choice_sees_the_district_time_zone(
    session: Session, client: FlaskClient
) -> None:
    district = DistrictFactory(time_zone="America/Puerto_Rico")
    teacher = UserFactory(district=district)
    _notice(session, teacher)
    sign_in(client, teacher)
    assert "7 Dec 2026, 11:15 AM AST" in text(client.get("/notifications"))
    account = text(client.get("/account"))
    assert "Times show in Atlantic time (Puerto Rico" in account
    assert "your district's time zone" in account


def test_without_any_choice_times_are_utc(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    _notice(session, teacher)
    sign_in(client, teacher)
    assert "7 Dec 2026, 3:15 PM UTC" in text(client.get("/notifications"))


def test_a_person_chooses_their_time_zone_on_the_account_page(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory(district=DistrictFactory(time_zone="America/Puerto_Rico"))
    _notice(session, teacher)
    sign_in(client, teacher)
    page = client.get("/account").get_data(as_text=True)
    assert '<option value="America/Chicago">Central time (Chicago)</option>' in page
    assert "<option>Europe/Lisbon</option>" in page  # every IANA zone, by region
    response = client.post("/account/time-zone", data={"tz-time_zone": "Asia/Tokyo"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account#time-zone")
    session.refresh(teacher)
    assert teacher.time_zone == "Asia/Tokyo"
    assert "8 Dec 2026, 12:15 AM JST" in text(client.get("/notifications"))
    # Choosing nothing goes back to the district's time zone.
    client.post("/account/time-zone", data={"tz-time_zone": ""})
    session.refresh(teacher)
    assert teacher.time_zone is None
    assert "11:15 AM AST" in text(client.get("/notifications"))


@pytest.mark.parametrize(
    "posted", ["Mars/Olympus_Mons", "US/Eastern", "posix/America/Chicago", "x" * 500]
)
def test_a_zone_not_in_the_list_gets_a_clear_error(
    session: Session, client: FlaskClient, posted: str
) -> None:
    teacher = UserFactory(time_zone="America/Chicago")
    sign_in(client, teacher)
    response = client.post("/account/time-zone", data={"tz-time_zone": posted})
    assert response.status_code == 422
    page = text(response)
    assert "There is a problem" in page
    assert "Choose a time zone from the list" in page
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    session.refresh(teacher)
    assert teacher.time_zone == "America/Chicago"


def test_transcript_csv_keeps_iso_8601_with_the_offset(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory(time_zone="America/Chicago")
    EnrollmentFactory(
        user=teacher,
        module=ModuleFactory(title="Questioning", hours=2.0),
        status=EnrollmentStatus.COMPLETED,
        completed_at=COMPLETED_AT,
    )
    sign_in(client, teacher)
    rows = list(csv.reader(io.StringIO(client.get("/transcript.csv").text)))
    assert rows[0][3] == "Completed at (ISO 8601, with UTC offset)"
    assert rows[1][3] == "2026-04-30T22:00:00-05:00"
    assert datetime.fromisoformat(rows[1][3]) == COMPLETED_AT


def test_autosave_says_when_it_saved_in_the_teacher_zone(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory(time_zone="Pacific/Honolulu")
    enrollment = EnrollmentFactory(user=teacher)
    sign_in(client, teacher)
    response = client.post(
        f"/learn/{enrollment.id}/evidence/autosave",
        data={"context": "Typed so far", "reflection": ""},
    )
    saved_at = response.json["saved_at"]
    assert saved_at.endswith(" HST") and saved_at[-6:-4] in {"AM", "PM"}
    page = text(client.get(f"/learn/{enrollment.id}/evidence"))
    assert f"Saved at {saved_at}" in page and " UTC" not in page
