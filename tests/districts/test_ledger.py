"""Credit, learning done elsewhere with approvals, and the hours ledger: what the
district sets, what teachers log and are told, what the ledger adds up (in a fixed
number of queries), and that nobody reaches another district's or school's requests."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.db import utcnow
from pdhub.districts import credit
from pdhub.districts.models import (
    Assignment,
    AssignmentTarget,
    CreditPolicy,
    CreditUnit,
    ExternalLearning,
    ExternalStatus,
    ModuleCredit,
)
from pdhub.learning.models import EnrollmentStatus
from pdhub.notifications.models import EmailMessage, Notification
from tests.factories import (
    PDF_BYTES,
    AwardFactory,
    EnrollmentFactory,
    ModuleFactory,
    SchoolFactory,
    UserFactory,
)
from tests.helpers import sign_in, text


def _browser(app: Flask, user: User, language: str = "en") -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in(client, user)
    return client


def _log(client: FlaskClient, **overrides: object) -> object:
    today = utcnow().date()
    data: dict[str, object] = {
        "title": "State literacy conference",
        "provider": "Literacy Association",
        "started_on": (today - timedelta(days=3)).isoformat(),
        "ended_on": (today - timedelta(days=2)).isoformat(),
        "hours": "12.5",
        "description": "Two days of sessions on reading.",
        "certificate": (io.BytesIO(PDF_BYTES), "certificate.pdf"),
    }
    data.update(overrides)
    return client.post(
        "/transcript/external/new", data=data, content_type="multipart/form-data"
    )


def _record(session: Session, user: User) -> ExternalLearning:
    found = session.scalar(
        select(ExternalLearning).where(ExternalLearning.user_id == user.id)
    )
    assert found is not None
    session.refresh(found)
    return found


# --- credit ---------------------------------------------------------------------------


def test_district_sets_its_unit_year_and_which_modules_count(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    counted = ModuleFactory(title="Reading workshop", hours=4.0)
    ModuleFactory(title="Other module")
    sign_in(client, admin)
    page = text(client.get("/district/credit"))
    assert "Reading workshop" in page and "July" in page

    settings = client.post(
        "/district/credit/settings",
        data={
            "policy-unit": "points",
            "policy-year_start_month": "9",
            "policy-two_stage": "y",
        },
    )
    assert settings.status_code == 303
    policy = session.get(CreditPolicy, admin.district_id)
    assert policy is not None
    assert (policy.unit, policy.year_start_month, policy.two_stage) == (
        CreditUnit.POINTS,
        9,
        True,
    )

    bad = client.post(
        "/district/credit",
        data={f"salary-{counted.slug}": "y", f"units-{counted.slug}": "lots"},
    )
    assert bad.status_code == 422
    assert "Enter a number, for example 3 or 1.5." in text(bad)
    assert 'value="lots"' in text(bad)  # what was typed is still there
    assert session.scalar(select(func.count(ModuleCredit.id))) == 0

    saved = client.post(
        "/district/credit",
        data={
            f"salary-{counted.slug}": "y",
            f"recert-{counted.slug}": "y",
            f"units-{counted.slug}": "2,5",
        },
    )
    assert saved.status_code == 303
    row = session.scalar(select(ModuleCredit))
    assert row is not None
    assert (row.module_slug, row.salary, row.recertification, row.units) == (
        counted.slug,
        True,
        True,
        2.5,
    )
    page = text(client.get("/district/credit"))
    assert "Worth (points)" in page and 'value="2.5"' in page

    # A ticked module without a value is refused; unticking removes the credit.
    missing = client.post("/district/credit", data={f"salary-{counted.slug}": "y"})
    assert missing.status_code == 422
    assert "greater than 0" in text(missing)
    assert client.post("/district/credit", data={}).status_code == 303
    assert session.scalar(select(func.count(ModuleCredit.id))) == 0


def test_school_years_follow_the_districts_start_month() -> None:
    assert credit.year_of(date(2026, 6, 30), 7) == 2025
    assert credit.year_of(date(2026, 7, 1), 7) == 2026
    assert credit.year_label(2025, 7) == "2025–26"
    assert credit.year_label(2026, 1) == "2026"
    assert credit.year_of(date(2026, 8, 31), 9) == 2025


# --- learning done elsewhere ----------------------------------------------------------


def test_teacher_logs_learning_and_the_district_approves_it(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    teacher = UserFactory(district=admin.district, name="Tess Teacher")
    teacher_browser = _browser(app, teacher)
    transcript = text(teacher_browser.get("/transcript"))
    assert "Log learning done elsewhere" in transcript
    assert teacher_browser.get("/transcript/external/new").status_code == 200

    response = _log(teacher_browser)
    assert response.status_code == 303, text(response)[-2000:]
    record = _record(session, teacher)
    assert record.status is ExternalStatus.WITH_DISTRICT
    assert record.certificate_media_type == "application/pdf"
    transcript = text(teacher_browser.get("/transcript"))
    assert "State literacy conference" in transcript
    assert "Waiting for the district" in transcript
    # The certificate is kept encrypted, and its owner gets the very bytes back.
    download = teacher_browser.get(f"/transcript/external/{record.id}/certificate")
    assert download.status_code == 200 and download.data == PDF_BYTES

    admin_browser = _browser(app, admin)
    queue = text(admin_browser.get("/district/approvals"))
    assert "1 request waiting for you" in queue and "Tess Teacher" in queue
    page = admin_browser.get(f"/district/approvals/{record.id}")
    assert "certificate.pdf" in text(page)
    proof = admin_browser.get(f"/district/approvals/{record.id}/certificate")
    assert proof.status_code == 200 and proof.data == PDF_BYTES
    decided = admin_browser.post(
        f"/district/approvals/{record.id}", data={"decision": "approve"}
    )
    assert decided.status_code == 303
    record = _record(session, teacher)
    assert record.status is ExternalStatus.APPROVED
    note = session.scalar(
        select(Notification).where(Notification.user_id == teacher.id)
    )
    assert note is not None
    assert "The district approved “State literacy conference”" in note.message
    assert (
        session.scalar(select(EmailMessage).where(EmailMessage.to == teacher.email))
        is not None
    )
    # A second approval (a double click) changes nothing and says why.
    again = admin_browser.post(
        f"/district/approvals/{record.id}", data={"decision": "approve"},
        follow_redirects=True,
    )  # fmt: skip
    assert "not waiting for your decision" in text(again)
    assert len(record.decisions) == 1


def test_two_stages_school_leader_then_district_and_return_in_spanish(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    session.add(CreditPolicy(district_id=district.id, two_stage=True))
    school = SchoolFactory(district=district, name="North School")
    leader = UserFactory(school_leader=True, district=district, school=school)
    teacher = UserFactory(district=district, school=school)
    teacher_browser = _browser(app, teacher, "es")
    assert _log(teacher_browser).status_code == 303
    record = _record(session, teacher)
    assert record.status is ExternalStatus.WITH_SCHOOL and record.language == "es"

    admin_browser = _browser(app, admin)
    # The district sees it waiting at the school and cannot decide it yet.
    assert "Waiting for a school leader" in text(
        admin_browser.get("/district/approvals")
    )
    early = admin_browser.post(
        f"/district/approvals/{record.id}", data={"decision": "approve"}
    )
    assert early.status_code == 303
    assert _record(session, teacher).status is ExternalStatus.WITH_SCHOOL

    leader_browser = _browser(app, leader)
    assert "1 request waiting for you" in text(
        leader_browser.get("/district/approvals")
    )
    ok = leader_browser.post(
        f"/district/approvals/{record.id}", data={"decision": "approve"}
    )
    assert ok.status_code == 303
    assert _record(session, teacher).status is ExternalStatus.WITH_DISTRICT

    # Returning needs a reason; without one nothing changes.
    no_reason = admin_browser.post(
        f"/district/approvals/{record.id}", data={"decision": "return", "reason": " "}
    )
    assert no_reason.status_code == 422
    assert "Say why you are returning it" in text(no_reason)
    assert _record(session, teacher).status is ExternalStatus.WITH_DISTRICT
    returned = admin_browser.post(
        f"/district/approvals/{record.id}",
        data={"decision": "return", "reason": "The certificate shows no hours."},
    )
    assert returned.status_code == 303
    assert _record(session, teacher).status is ExternalStatus.RETURNED

    notes = [
        n.message
        for n in session.scalars(
            select(Notification)
            .where(Notification.user_id == teacher.id)
            .order_by(Notification.id)
        )
    ]
    assert notes[0].startswith("Su líder escolar aprobó")
    assert "fue devuelta" in notes[1] and "The certificate shows no hours." in notes[1]

    # The teacher corrects it (keeping the certificate) and it starts over.
    page = text(teacher_browser.get(f"/transcript/external/{record.id}"))
    assert "The certificate shows no hours." in page
    again = teacher_browser.post(
        f"/transcript/external/{record.id}",
        data={
            "title": "State literacy conference",
            "provider": "Literacy Association",
            "started_on": record.started_on.isoformat(),
            "ended_on": record.ended_on.isoformat(),
            "hours": "10",
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 303, text(again)[-2000:]
    record = _record(session, teacher)
    assert record.status is ExternalStatus.WITH_SCHOOL and record.hours == 10
    assert record.certificate_filename == "certificate.pdf"


def test_bad_learning_is_refused_with_reasons_and_nothing_is_saved(
    app: Flask, session: Session
) -> None:
    teacher = UserFactory()
    browser = _browser(app, teacher)
    not_a_file = _log(browser, certificate=(io.BytesIO(b"just text"), "proof.pdf"))
    assert not_a_file.status_code == 422
    assert "isn't a file type we accept" in text(not_a_file)
    assert 'value="State literacy conference"' in text(not_a_file)
    backwards = _log(
        browser,
        started_on=(utcnow().date() - timedelta(days=1)).isoformat(),
        ended_on=(utcnow().date() - timedelta(days=5)).isoformat(),
    )
    assert "The end date is before the start date." in text(backwards)
    future = _log(browser, ended_on=(utcnow().date() + timedelta(days=5)).isoformat())
    assert "the end date is in the future" in text(future)
    no_proof = _log(browser, certificate=(io.BytesIO(b""), ""))
    assert "Attach the certificate" in text(no_proof)
    too_many = _log(browser, hours="9000")
    assert too_many.status_code == 422
    assert session.scalar(select(func.count(ExternalLearning.id))) == 0


# --- who reaches what -----------------------------------------------------------------


def test_requests_are_not_found_outside_their_district_or_school(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district)
    south = SchoolFactory(district=district)
    teacher = UserFactory(district=district, school=north)
    assert _log(_browser(app, teacher)).status_code == 303
    record = _record(session, teacher)
    urls = [
        f"/district/approvals/{record.id}",
        f"/district/approvals/{record.id}/certificate",
    ]

    stranger = _browser(app, UserFactory(district_admin=True))  # another district
    for url in urls:
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(urls[0], data={"decision": "approve"}).status_code == 404
    assert "State literacy" not in text(stranger.get("/district/approvals"))

    other_leader = _browser(
        app, UserFactory(school_leader=True, district=district, school=south)
    )
    for url in urls:
        assert other_leader.get(url).status_code == 404, url
    assert "State literacy" not in text(other_leader.get("/district/approvals"))

    colleague = _browser(app, UserFactory(district=district, school=north))
    assert colleague.post(urls[0], data={"decision": "approve"}).status_code == 403
    assert colleague.get("/district/approvals").status_code == 403
    for url in (
        f"/transcript/external/{record.id}",
        f"/transcript/external/{record.id}/certificate",
    ):
        assert colleague.get(url).status_code == 404, url
    assert _record(session, teacher).status is ExternalStatus.WITH_DISTRICT
    assert stranger.get("/district/credit").status_code == 200  # their own, empty
    assert colleague.get("/district/credit").status_code == 403
    assert colleague.get("/district/ledger").status_code == 403


# --- the ledger -----------------------------------------------------------------------


def _complete(user: User, module: object, when: datetime) -> None:
    AwardFactory(
        enrollment__user=user,
        enrollment__module=module,
        enrollment__status=EnrollmentStatus.COMPLETED,
        enrollment__completed_at=when,
    )


def _ledger_district(session: Session) -> dict[str, object]:
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district, name="North School")
    south = SchoolFactory(district=district, name="South School")
    ana = UserFactory(district=district, school=north, name="Ana North")
    ben = UserFactory(district=district, school=south, name="Ben South")
    module = ModuleFactory(hours=4.0)
    other = ModuleFactory(hours=2.0)
    session.add(
        ModuleCredit(
            district_id=district.id, module_slug=module.slug, salary=True,
            recertification=False, units=3.0,
        )
    )  # fmt: skip
    year = credit.year_of(utcnow().date(), 7)
    in_year = datetime.combine(date(year, 8, 15), datetime.min.time()).astimezone()
    before = datetime.combine(date(year - 1, 8, 15), datetime.min.time()).astimezone()
    _complete(ana, module, in_year)
    _complete(ana, other, before)  # the school year before
    EnrollmentFactory(user=ben, module=module)  # in progress
    for status, hours in (
        (ExternalStatus.APPROVED, 6.0),
        (ExternalStatus.WITH_DISTRICT, 1.5),
    ):
        session.add(
            ExternalLearning(
                district_id=district.id, user_id=ana.id, title="Course",
                provider="University", started_on=date(year, 9, 1),
                ended_on=date(year, 9, 2), hours=hours, certificate_filename="c.pdf",
                certificate_media_type="application/pdf", certificate_size=1,
                certificate_sha256="0" * 64, certificate_key="abc", status=status,
            )
        )  # fmt: skip
    session.add(
        Assignment(
            district_id=district.id, module_slug=other.slug,
            target=AssignmentTarget.SCHOOL, school_id=south.id,
            due_date=utcnow().date() - timedelta(days=3),
        )
    )  # fmt: skip
    session.flush()
    return {"admin": admin, "district": district, "north": north, "year": year,
            "ana": ana, "ben": ben}  # fmt: skip


def _csv(response: object) -> list[dict[str, str]]:
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(body)))


def test_ledger_keeps_platform_credit_and_external_hours_apart(
    app: Flask, session: Session
) -> None:
    s = _ledger_district(session)
    admin = _browser(app, s["admin"])  # type: ignore[arg-type]
    page = text(admin.get("/district/ledger"))
    assert (
        "North School" in page and "South School" in page and "Whole district" in page
    )
    rows = {row["Name"]: row for row in _csv(admin.get("/district/ledger.csv"))}
    ana, ben = rows["Ana North"], rows["Ben South"]
    assert ana["Platform hours"] == "4"  # the module of the year before is not here
    assert ana["Salary credit (hours)"] == "3"
    assert ana["Recertification credit (hours)"] == "0"
    assert ana["External hours approved"] == "6"
    assert ana["External hours pending"] == "1.5"
    assert ana["Badges earned"] == "1"
    assert (ben["Modules in progress"], ben["Overdue assignments"]) == ("1", "1")
    assert ana["Overdue assignments"] == "0"  # the assignment is South's
    last_year = _csv(admin.get(f"/district/ledger.csv?year={s['year'] - 1}"))  # type: ignore[operator]
    assert {r["Name"]: r["Platform hours"] for r in last_year}["Ana North"] == "2"

    # The teacher's transcript shows the same three kinds of hours, by year.
    teacher = text(_browser(app, s["ana"]).get("/transcript"))  # type: ignore[arg-type]
    assert "By school year" in teacher and "External hours approved" in teacher
    assert credit.year_label(s["year"], 7) in teacher  # type: ignore[arg-type]


def test_a_school_leader_sees_only_their_schools_ledger(
    app: Flask, session: Session
) -> None:
    s = _ledger_district(session)
    leader = UserFactory(school_leader=True, district=s["district"], school=s["north"])
    browser = _browser(app, leader)
    page = text(browser.get("/district/ledger"))
    assert "Ana North" in page and "Ben South" not in page
    names = [row["Name"] for row in _csv(browser.get("/district/ledger.csv"))]
    assert names == ["Ana North"]


def test_the_ledger_runs_the_same_queries_for_two_teachers_or_twenty(
    app: Flask, session: Session, count_queries: list[str]
) -> None:
    s = _ledger_district(session)
    admin = _browser(app, s["admin"])  # type: ignore[arg-type]
    admin.get("/district/ledger")
    count_queries.clear()
    assert admin.get("/district/ledger").status_code == 200
    few = len(count_queries)
    module = ModuleFactory()
    for n in range(18):
        person = UserFactory(district=s["district"], school=s["north"])
        _complete(person, module, utcnow() - timedelta(days=n))
        EnrollmentFactory(user=person)
    count_queries.clear()
    page = text(admin.get("/district/ledger"))
    assert "20 teachers" in page
    assert len(count_queries) == few
