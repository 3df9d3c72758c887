"""Workshop badges count: their hours are in the teacher's transcript (page, CSV and
PDF, in a "Workshops and sessions" section and in the total) and in the district's
hours ledger (a column of their own), until a district administrator revokes one;
revoking sets the status-list bit (so /verify says revoked) and tells the person;
the teacher's data export holds their workshop badges."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.dids import Resolver
from badges.verify import verify_credential
from pdhub.accountdata import service as accountdata
from pdhub.db import utcnow
from pdhub.districts import ledger
from pdhub.districts.assignments import Scope
from pdhub.learning.models import EnrollmentStatus
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.workshops import service
from pdhub.workshops.models import WorkshopAward
from tests.factories import AwardFactory, DistrictFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text
from tests.learning.test_transcript_files import _pdf_text

NAME = "Riverside Summer Institute: Digital Equity Day"


@pytest.fixture
def world(app: Flask, session: Session) -> dict[str, Any]:
    district = DistrictFactory()
    other = DistrictFactory()
    admin = UserFactory(district=district, district_admin=True)
    coach = UserFactory(district=district, coach=True)
    maya = UserFactory(district=district, name="Maya Lopez", email="maya@example.org")
    stranger_admin = UserFactory(district=other, district_admin=True)
    AwardFactory(
        enrollment__user=maya,
        enrollment__module=ModuleFactory(title="Questioning", hours=3.0),
        enrollment__status=EnrollmentStatus.COMPLETED,
        enrollment__completed_at=utcnow() - timedelta(days=2),
    )
    workshop = service.create_workshop(
        session,
        admin,
        name=NAME,
        description="A day of hands-on digital equity work.",
        criteria="Attended the full day.",
        hours=6,
        image="gold",
    )
    session.commit()
    day = (utcnow() - timedelta(days=1)).date()
    client = app.test_client()
    sign_in(client, admin)
    preview = client.post(
        f"/district/workshops/{workshop.id}/csv",
        data={
            "f-session_date": day.isoformat(),
            "f-attendees": (io.BytesIO(b"maya@example.org\n"), "attendees.csv"),
        },
        content_type="multipart/form-data",
    )
    run_url = preview.headers["Location"]
    assert client.post(run_url + "/issue").status_code == 303
    award = session.scalars(select(WorkshopAward)).one()
    return {
        "admin": admin,
        "coach": coach,
        "maya": maya,
        "stranger_admin": stranger_admin,
        "workshop": workshop,
        "award": award,
        "day": day,
        "run_url": run_url,
        "admin_client": client,
    }


def _browser(app: Flask, user: Any) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


def _csv(client: FlaskClient, url: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(url).get_data(as_text=True))))


def _revoke_url(world: dict[str, Any]) -> str:
    return (
        f"/district/workshops/{world['workshop'].id}/awards/{world['award'].id}/revoke"
    )


def test_workshop_hours_are_in_the_transcript_page_csv_and_pdf_and_their_total(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    teacher = _browser(app, world["maya"])
    page = text(teacher.get("/transcript"))
    assert "Workshops and sessions" in page
    assert NAME in page
    assert "9 PD hours counted in total" in page  # 3 from the module, 6 workshop

    rows = _csv(teacher, "/transcript.csv")
    assert ["Total PD hours counted", "", "9"] in rows
    heading = next(row for row in rows if row[:1] == ["Workshops and sessions"])
    assert heading[2:4] == ["PD hours", "Session date"]
    line = next(row for row in rows if row[:1] == [NAME])
    assert line[2:5] == ["6", world["day"].isoformat(), "Valid"]

    pdf = _pdf_text(teacher.get("/transcript.pdf").data)
    assert "Workshops and sessions" in pdf
    assert "Workshop PD hours counted: 6 hours" in pdf
    assert "Total PD hours counted: 9 hours" in pdf

    # Revoked: listed, not counted.
    service.revoke_award(session, world["admin"], world["award"], "Left at noon.")
    session.commit()
    rows = _csv(teacher, "/transcript.csv")
    assert ["Total PD hours counted", "", "3"] in rows
    line = next(row for row in rows if row[:1] == [NAME])
    assert line[4:] == ["Revoked", "no (badge revoked)"]
    page = text(teacher.get("/transcript"))
    assert "3 PD hours counted in total" in page
    assert "6 PD hours not counted" in page


def test_the_ledger_counts_workshop_hours_in_a_column_of_their_own(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    admin = world["admin_client"]
    rows = list(csv.DictReader(io.StringIO(admin.get("/district/ledger.csv").text)))
    maya = next(row for row in rows if row["Name"] == "Maya Lopez")
    assert maya["Workshop hours"] == "6"
    assert maya["Platform hours"] == "3"  # kept apart
    assert "Workshop hours" in text(admin.get("/district/ledger"))
    mine = ledger.teacher_ledger(session, world["maya"])
    assert sum(y.figures.workshop_hours for y in mine.years) == 6
    assert "Workshop hours" in text(_browser(app, world["maya"]).get("/transcript"))

    service.revoke_award(session, world["admin"], world["award"], "Left at noon.")
    session.commit()
    found = ledger.district_ledger(
        session, Scope(world["maya"].district_id, None, False)
    )
    assert found is not None
    assert found.total.workshop_hours == 0
    mine = ledger.teacher_ledger(session, world["maya"])
    assert sum(y.figures.workshop_hours for y in mine.years) == 0


def test_a_district_administrator_revokes_a_workshop_badge_with_a_reason(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    admin = world["admin_client"]
    award = world["award"]
    # From the workshop's page and the run's page.
    for page_url in (f"/district/workshops/{world['workshop'].id}", world["run_url"]):
        page = admin.get(page_url).get_data(as_text=True)
        assert "People awarded" in page and "Maya Lopez" in page
        assert _revoke_url(world) in page

    form = text(admin.get(_revoke_url(world)))
    assert "Revoke Maya Lopez’s badge" in form
    missing = admin.post(_revoke_url(world), data={"reason": " "})
    assert missing.status_code == 422
    assert "Give the reason for revoking the badge." in text(missing)
    session.refresh(award)
    assert award.revoked_at is None

    done = admin.post(_revoke_url(world), data={"reason": "Left at noon."})
    assert done.status_code == 303
    assert done.headers["Location"].endswith(world["run_url"])
    session.refresh(award)
    assert award.revoked_at is not None
    assert "Revoked" in text(admin.get(world["run_url"]))

    # Its status list says so: /verify and a verifier report it revoked.
    verdict = text(admin.post("/verify", data={"credential": award.credential_json}))
    assert re.search(r'<h2 id="verdict-title"[^>]*>Revoked</h2>', verdict), verdict

    def fetch(url: str) -> bytes:
        return admin.get(url.removeprefix("http://localhost")).get_data()

    report = verify_credential(
        award.credential_json, resolver=Resolver(), status_fetcher=fetch
    )
    assert not report.verified

    # Maya is told, with the reason, in PD Hub and by email.
    told = [
        n.message
        for n in session.scalars(
            select(Notification).where(Notification.user_id == world["maya"].id)
        )
    ]
    assert any(f"Your {NAME} badge was revoked" in m and "Left at noon." in m
               for m in told)  # fmt: skip
    subjects = [
        m.subject
        for m in session.scalars(
            select(EmailMessage).where(EmailMessage.to == "maya@example.org")
        )
    ]
    assert f"Your {NAME} badge was revoked" in subjects

    # Once is enough: the page says it is revoked already.
    again = text(admin.get(_revoke_url(world)))
    assert "This badge is already revoked." in again


def test_only_the_districts_administrators_revoke_and_others_get_404(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    url = _revoke_url(world)
    stranger = _browser(app, world["stranger_admin"])
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, data={"reason": "x"}).status_code == 404
    # This award under another workshop (of another district) is not found.
    other_workshop = service.create_workshop(
        session, world["stranger_admin"], name="Elsewhere", description="A day.",
        criteria="Came.", hours=1, image="blue",
    )  # fmt: skip
    session.commit()
    wrong = f"/district/workshops/{other_workshop.id}/awards/{world['award'].id}/revoke"
    assert stranger.get(wrong).status_code == 404
    assert world["admin_client"].get(wrong).status_code == 404
    coach = _browser(app, world["coach"])
    assert coach.post(url, data={"reason": "x"}).status_code == 403
    teacher = _browser(app, world["maya"])
    assert teacher.get(url).status_code == 403
    session.refresh(world["award"])
    assert world["award"].revoked_at is None


def test_the_teachers_data_export_holds_their_workshop_badge(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    with app.test_request_context():
        data = accountdata.account_zip(session, world["maya"])
    archive = zipfile.ZipFile(io.BytesIO(data))
    [entry] = json.loads(archive.read("workshop_badges.json"))
    award = world["award"]
    assert entry["workshop"] == NAME
    assert entry["session_date"] == world["day"].isoformat()
    assert entry["hours"] == 6
    assert entry["credential"] == award.credential_id
    assert entry["revoked_at"] is None
    signed = json.loads(
        archive.read(f"credentials/workshop-{award.credential_id}.json")
    )
    assert signed["id"] == award.document["id"]


def test_the_clr_transcript_carries_the_workshop_badge_until_it_is_revoked(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    from badges.clr import embedded_credentials
    from pdhub.credentials import service as credentials
    from pdhub.credentials.models import Award
    from pdhub.verification.service import verify_with

    # Maya's module badge too, so the transcript stands after the revocation.
    module_award = session.scalars(
        select(Award).where(Award.user_id == world["maya"].id)
    ).one()
    assert credentials.issue_credential(session, module_award.id) is not None
    session.commit()
    maya_client = _browser(app, world["maya"])
    response = maya_client.get("/transcript.clr.json")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    inside = [c["id"] for c in embedded_credentials(document)]
    assert f"urn:uuid:{world['award'].credential_id}" in inside

    def fetch(url: str) -> bytes:
        found = maya_client.get(url.removeprefix("http://localhost"))
        assert found.status_code == 200, url
        return found.get_data()

    with app.test_request_context():
        outcome = verify_with(document, fetch)
    assert outcome.is_clr and outcome.contents
    assert all(inner.report.verified for inner in outcome.contents)

    response = world["admin_client"].post(
        _revoke_url(world), data={"reason": "Left before lunch."}
    )
    assert response.status_code == 303
    again = json.loads(maya_client.get("/transcript.clr.json").get_data(as_text=True))
    assert f"urn:uuid:{world['award'].credential_id}" not in [
        c["id"] for c in embedded_credentials(again)
    ]
