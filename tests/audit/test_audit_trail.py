"""The audit trail: the database refuses to change it, each recorded action appears
after doing it through the pages, district administrators see only their district's
events, the CSV is safe to open, and a teacher sees who opened their evidence."""

from __future__ import annotations

import csv
import io
import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.accounts.service import create_api_token
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction, AuditEvent, AuditOutcome
from pdhub.credentials import service as credentials
from pdhub.db import utcnow
from pdhub.learning.models import EnrollmentStatus
from pdhub.submissions.models import Submission
from tests.factories import (
    PASSWORD,
    ArtifactFactory,
    AwardFactory,
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text
from tests.review.conftest import complete_evidence


def events(session: Session, action: AuditAction) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action.value)
            .order_by(AuditEvent.id)
        )
    )


def scores(level: str = "proficient") -> dict[str, str]:
    data = {}
    for cid in ("context", "artifacts", "reflection"):
        data[f"level_{cid}"] = level
        data[f"feedback_{cid}"] = ""
    return data


@pytest.fixture
def district_a():  # type: ignore[no-untyped-def]
    return DistrictFactory(name="Alder District")


@pytest.fixture
def teacher(district_a) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(district=district_a, name="Tess Teacher")


@pytest.fixture
def coach(district_a) -> User:  # type: ignore[no-untyped-def]
    coach = UserFactory(coach=True, district=district_a, name="Carla Coach")
    CoachAssignmentFactory(coach=coach, district=district_a)
    return coach


@pytest.fixture
def waiting(teacher: User) -> Submission:
    return SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        in_review=True,
        **complete_evidence(),
    )


# --- append-only, in the database itself ---------------------------------------------


def test_postgresql_refuses_to_update_or_delete_an_audit_event(
    session: Session,
) -> None:
    event = audit.record(session, AuditAction.DATA_EXPORT, detail={"file": "x.csv"})
    session.flush()
    for statement in (
        "UPDATE audit_events SET action = 'nothing' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with (
            pytest.raises(DBAPIError, match="audit_events is append-only"),
            session.begin_nested(),
        ):
            session.execute(sql(statement), {"id": event.id})
    session.expire_all()
    assert session.get(AuditEvent, event.id).action == "data.export"  # type: ignore[union-attr]


def test_the_sqlite_migration_makes_audit_events_append_only(
    sqlite_app: Flask,
) -> None:
    from flask_migrate import downgrade, upgrade

    from pdhub.extensions import db

    with sqlite_app.app_context():
        downgrade(revision="0026_cohorts")
        upgrade()
        event = audit.record(db.session, AuditAction.DATA_EXPORT)
        db.session.commit()
        for statement in (
            "UPDATE audit_events SET action = 'nothing' WHERE id = :id",
            "DELETE FROM audit_events WHERE id = :id",
        ):
            with pytest.raises(DBAPIError, match="audit_events is append-only"):
                db.session.execute(sql(statement), {"id": event.id})
            db.session.rollback()
        assert db.session.scalar(select(AuditEvent.action)) == "data.export"
        db.session.remove()


# --- each action, done through the pages ----------------------------------------------


def test_signing_in_and_a_wrong_password_are_recorded_without_the_typed_text(
    client: FlaskClient, session: Session, teacher: User
) -> None:
    refused = client.post(
        "/signin", data={"email": teacher.email, "password": "hunter2-wrong"}
    )
    assert refused.status_code == 401
    sign_in(client, teacher)
    failure = events(session, AuditAction.SIGNIN_FAILURE)
    assert [e.subject_id for e in failure] == [teacher.id]
    assert failure[0].outcome is AuditOutcome.DENIED
    assert "hunter2" not in repr(failure[0].detail)
    success = events(session, AuditAction.SIGNIN_SUCCESS)
    assert [(e.actor_id, e.district_id) for e in success] == [
        (teacher.id, teacher.district_id)
    ]


def test_a_coach_opening_evidence_and_deciding_is_recorded_and_the_teacher_sees_it(
    app: Flask, session: Session, coach: User, teacher: User, waiting: Submission
) -> None:
    artifact = ArtifactFactory(submission=waiting)
    session.commit()
    browser = app.test_client()
    sign_in(browser, coach)
    assert browser.get(f"/review/{waiting.id}").status_code == 200
    assert browser.get(f"/files/{artifact.id}").status_code == 200
    browser.post(f"/review/{waiting.id}/claim")
    decided = browser.post(
        f"/review/{waiting.id}", data={**scores(), "decision": "passed"}
    )
    assert decided.status_code == 303
    viewed = events(session, AuditAction.EVIDENCE_VIEW)
    assert [(e.actor_id, e.subject_id, e.object_id) for e in viewed] == [
        (coach.id, teacher.id, str(waiting.id))
    ]
    download = events(session, AuditAction.EVIDENCE_DOWNLOAD)
    assert [(e.actor_id, e.subject_id) for e in download] == [(coach.id, teacher.id)]
    assert download[0].user_agent and download[0].ip
    decision = events(session, AuditAction.REVIEW_DECISION)
    assert decision[0].detail["decision"] == "passed"
    assert decision[0].district_id == teacher.district_id

    own = app.test_client()
    sign_in(own, teacher)
    # The teacher's own download is not "someone opened your work".
    assert own.get(f"/files/{artifact.id}").status_code == 200
    assert len(events(session, AuditAction.EVIDENCE_DOWNLOAD)) == 1
    page = text(own.get("/account/activity"))
    assert "Carla Coach" in page
    assert "Opened an evidence file" in page and "Opened someone's evidence" in page
    assert own.get(f"/submissions/{waiting.id}").status_code == 200
    assert len(events(session, AuditAction.EVIDENCE_VIEW)) == 1

    district_admin = UserFactory(
        district_admin=True, district=teacher.district, name="Dana Admin"
    )
    office = app.test_client()
    sign_in(office, district_admin)
    assert office.get(f"/submissions/{waiting.id}").status_code == 200
    viewed = events(session, AuditAction.EVIDENCE_VIEW)
    assert [(e.actor_id, e.actor_role) for e in viewed][-1] == (
        district_admin.id,
        "district_admin",
    )
    assert "Dana Admin" in text(own.get("/account/activity"))


def test_a_refused_request_is_recorded_with_who_and_where(
    app: Flask, session: Session, teacher: User, waiting: Submission
) -> None:
    stranger = UserFactory(district=DistrictFactory(), name="Sam Stranger")
    artifact = ArtifactFactory(submission=waiting)
    session.commit()
    browser = app.test_client()
    sign_in(browser, stranger)
    assert browser.get(f"/files/{artifact.id}").status_code == 404
    assert browser.get("/admin/users").status_code == 403
    denied = events(session, AuditAction.ACCESS_DENIED)
    assert [(e.actor_id, e.detail["status"], e.detail["path"]) for e in denied] == [
        (stranger.id, 404, f"/files/{artifact.id}"),
        (stranger.id, 403, "/admin/users"),
    ]
    assert all(e.outcome is AuditOutcome.DENIED for e in denied)


def test_role_changes_trust_lists_credentials_and_exports_are_recorded(
    client: FlaskClient, session: Session, district_a, teacher: User
) -> None:  # type: ignore[no-untyped-def]
    admin = UserFactory(admin=True)
    sign_in(client, admin)
    response = client.post(
        f"/admin/users/{teacher.id}",
        data={"role": "coach", "district": str(district_a.id)},
    )
    assert response.status_code == 303
    change = events(session, AuditAction.ROLE_CHANGE)
    assert [(e.actor_id, e.subject_id, e.detail) for e in change] == [
        (admin.id, teacher.id, {"from": "teacher", "to": "coach"})
    ]
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    assert (
        client.post("/admin/trust", data={"identifier": did, "name": "Co-op"})
    ).status_code == 303
    added = events(session, AuditAction.TRUST_ADD)
    assert added[0].detail == {"list": "platform", "identifier": did}

    award = AwardFactory(
        enrollment=EnrollmentFactory(
            status=EnrollmentStatus.COMPLETED, completed_at=utcnow()
        )
    )
    issued = credentials.issue_credential(session, award.id)
    assert issued is not None
    session.commit()
    issue = events(session, AuditAction.CREDENTIAL_ISSUE)
    assert [(e.object_id, e.subject_id) for e in issue] == [(issued.id, award.user_id)]
    client.post(
        f"/admin/credentials/{issued.id}",
        data={"action": "suspend", "reason": "Under review."},
    )
    suspended = events(session, AuditAction.CREDENTIAL_SUSPEND)
    assert [(e.actor_id, e.detail) for e in suspended] == [
        (admin.id, {"reason": "Under review."})
    ]

    district_admin = UserFactory(district_admin=True, district=district_a)
    other = DistrictFactory().id
    client.post("/signout")
    sign_in(client, district_admin)
    assert client.get("/district/staff.csv").status_code == 200
    export = events(session, AuditAction.DATA_EXPORT)
    assert [(e.actor_id, e.district_id, e.detail["path"]) for e in export] == [
        (district_admin.id, district_a.id, "/district/staff.csv")
    ]
    assert other != district_a.id


def test_a_roster_import_two_factor_changes_and_api_token_use_are_recorded(
    client: FlaskClient, session: Session, district_a
) -> None:  # type: ignore[no-untyped-def]
    person = UserFactory(district=district_a, two_factor=False)
    sign_in(client, person)
    page = text(client.get("/account/two-factor"))
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    client.post("/account/two-factor/off", data={"off-confirm": PASSWORD})
    assert [e.actor_id for e in events(session, AuditAction.TWO_FACTOR_ON)] == [
        person.id
    ]
    assert [e.actor_id for e in events(session, AuditAction.TWO_FACTOR_OFF)] == [
        person.id
    ]

    district_admin = UserFactory(district_admin=True, district=district_a)
    client.post("/signout")
    sign_in(client, district_admin)
    users = "email,name,role\nrosa@school.example,Rosa Ruiz,teacher\n"
    uploaded = client.post(
        "/district/roster",
        data={"users": (io.BytesIO(users.encode()), "users.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303, text(uploaded)[:2000]
    import_id = int(
        re.search(r"/district/roster/(\d+)", uploaded.headers["Location"]).group(1)
    )  # type: ignore[union-attr]
    assert client.post(f"/district/roster/{import_id}/apply").status_code == 303
    imported = events(session, AuditAction.ROSTER_IMPORT)
    assert [(e.actor_id, e.district_id, e.object_id) for e in imported] == [
        (district_admin.id, district_a.id, str(import_id))
    ]

    token = create_api_token(session, district_admin, "HR system")
    session.commit()
    api = client.application.test_client()
    response = api.get(
        "/api/v1/verify/batch/999999", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    used = events(session, AuditAction.API_TOKEN_USE)
    assert [(e.actor_id, e.detail) for e in used] == [
        (district_admin.id, {"name": "HR system"})
    ]
    assert token not in repr([e.detail for e in used])


# --- who sees which events ------------------------------------------------------------


def test_a_district_admin_sees_only_their_districts_events_by_url_and_filters(
    app: Flask, session: Session
) -> None:
    district_a, district_b = DistrictFactory(), DistrictFactory()
    admin_a = UserFactory(district_admin=True, district=district_a)
    admin_b = UserFactory(district_admin=True, district=district_b)
    teacher_a = UserFactory(district=district_a, email="ana@a.example")
    audit.record(
        session,
        AuditAction.EVIDENCE_VIEW,
        actor=admin_a,
        subject=teacher_a,
        object_type="submission",
        object_id="a-secret-object",
    )
    session.commit()
    browser_b = app.test_client()
    sign_in(browser_b, admin_b)
    for url in (
        "/district/audit",
        "/district/audit?action=evidence.view",
        f"/district/audit?actor={admin_a.email}",
        "/district/audit.csv",
        f"/district/audit.csv?actor={admin_a.email}&action=evidence.view",
        f"/district/audit?district_id={district_a.id}",
    ):
        response = browser_b.get(url)
        assert response.status_code == 200, url
        body = text(response)
        assert "a-secret-object" not in body, url
        assert "ana@a.example" not in body, url
    assert browser_b.get("/admin/audit").status_code == 403
    assert browser_b.get("/admin/audit.csv").status_code == 403

    browser_a = app.test_client()
    sign_in(browser_a, admin_a)
    page = text(browser_a.get("/district/audit?action=evidence.view"))
    assert "a-secret-object" in page and "ana@a.example" in page
    platform = UserFactory(admin=True)
    browser_p = app.test_client()
    sign_in(browser_p, platform)
    assert "a-secret-object" in text(browser_p.get("/admin/audit"))
    teacher_browser = app.test_client()
    sign_in(teacher_browser, teacher_a)
    assert teacher_browser.get("/district/audit").status_code == 403


def test_filters_and_keyset_paging_walk_the_whole_trail_once(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    admin = UserFactory(district_admin=True, district=district)
    for number in range(audit.PAGE_SIZE + 5):
        audit.record(
            session,
            AuditAction.DATA_EXPORT,
            district_id=district.id,
            detail={"file": f"file-{number:03d}.csv"},
        )
    session.commit()
    sign_in(client, admin)
    seen: list[str] = []
    url = "/district/audit?action=data.export"
    for _ in range(3):
        body = text(client.get(url))
        seen += re.findall(r"file: (file-\d{3}\.csv)", body)
        following = re.search(r'href="(/district/audit\?[^"]*before=[^"]*)"', body)
        if following is None:
            break
        url = following.group(1).replace("&amp;", "&")
    assert sorted(seen) == [f"file-{n:03d}.csv" for n in range(audit.PAGE_SIZE + 5)]
    bad = client.get("/district/audit?since=2026-13-40")
    assert bad.status_code == 422
    assert "There is a problem" in text(bad)
    future = client.get("/district/audit?since=2099-01-01")
    assert "Nothing matches these filters." in text(future)


def test_the_csv_neutralizes_formulas_in_every_cell(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    admin = UserFactory(admin=True)
    attacker = UserFactory(district=district)
    client.environ_base["HTTP_USER_AGENT"] = '=HYPERLINK("http://evil","x")'
    client.post("/signin", data={"email": attacker.email, "password": "wrong-one"})
    audit.record(
        session,
        AuditAction.TRUST_ADD,
        actor=admin,
        district_id=district.id,
        detail={"identifier": "@SUM(1+1)*cmd|' /C calc'!A0"},
    )
    session.commit()
    del client.environ_base["HTTP_USER_AGENT"]
    sign_in(client, admin)
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    for cell in cells:
        assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell
