"""District API tokens with scopes, an expiry and a last-used time, and the district
endpoints they open: /api/v1/district/progress and /api/v1/district/ledger,
paginated, refusing tokens without the scope (403) or expired (401) with problem
documents, and never showing another district's or school's people."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import ApiToken, User
from pdhub.accounts.service import create_api_token, token_hash
from pdhub.db import utcnow
from pdhub.districts.models import Assignment, AssignmentTarget
from pdhub.learning.models import EnrollmentStatus
from tests.factories import (
    AwardFactory,
    ModuleFactory,
    SchoolFactory,
    UserFactory,
)
from tests.helpers import sign_in, text


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _district(session: Session) -> dict[str, object]:
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district, name="North School")
    people = [
        UserFactory(district=district, school=north, name=f"Teacher {n}")
        for n in range(3)
    ]
    module = ModuleFactory(hours=3.0)
    AwardFactory(
        enrollment__user=people[0],
        enrollment__module=module,
        enrollment__status=EnrollmentStatus.COMPLETED,
        enrollment__completed_at=utcnow() - timedelta(days=1),
    )
    session.add(
        Assignment(
            district_id=district.id, module_slug=module.slug,
            target=AssignmentTarget.EVERYONE,
            due_date=utcnow().date() - timedelta(days=2),
        )
    )  # fmt: skip
    session.flush()
    return {"admin": admin, "district": district, "people": people}


def test_progress_is_paginated_for_a_token_with_progress_read(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    other = _district(session)  # another district's teachers never appear
    token = create_api_token(session, s["admin"], "HR", scopes=["progress:read"])  # type: ignore[arg-type]
    client = app.test_client()
    first = client.get("/api/v1/district/progress?limit=2", headers=_auth(token))
    assert first.status_code == 200, first.get_data(as_text=True)
    body = first.get_json()
    assert body["total"] == 3 and body["page"] == 1 and len(body["items"]) == 2
    assert body["next"].endswith("/api/v1/district/progress?page=2&limit=2")
    second = client.get(body["next"], headers=_auth(token)).get_json()
    assert len(second["items"]) == 1 and second["next"] is None
    names = {item["name"] for item in body["items"] + second["items"]}
    assert names == {"Teacher 0", "Teacher 1", "Teacher 2"}
    statuses = sorted(item["status"] for item in body["items"] + second["items"])
    assert statuses == ["done", "late", "late"]
    late = client.get("/api/v1/district/progress?status=late", headers=_auth(token))
    assert late.get_json()["total"] == 2
    other_ids = {p.id for p in other["people"]}  # type: ignore[attr-defined]
    assert not other_ids & {item["teacherId"] for item in body["items"]}
    record = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token))
    )
    assert record is not None and record.last_used_at is not None


def test_the_ledger_needs_ledger_read_and_keeps_hours_apart(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    client = app.test_client()
    progress_only = create_api_token(
        session, s["admin"], "HR", scopes=["progress:read"]
    )  # type: ignore[arg-type]
    refused = client.get("/api/v1/district/ledger", headers=_auth(progress_only))
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert "ledger:read" in refused.get_json()["detail"]
    token = create_api_token(session, s["admin"], "Payroll", scopes=["ledger:read"])  # type: ignore[arg-type]
    found = client.get("/api/v1/district/ledger?limit=500", headers=_auth(token))
    assert found.status_code == 200
    body = found.get_json()
    assert body["total"] == 3 and body["unit"] == "hours"
    first = next(i for i in body["items"] if i["name"] == "Teacher 0")
    assert first["platformHours"] == 3.0 and first["externalHoursApproved"] == 0
    assert first["badges"] == 1
    older = client.get("/api/v1/district/ledger?year=2001", headers=_auth(token))
    assert older.status_code == 200 and older.get_json()["year"] == 2001
    assert all(i["platformHours"] == 0 for i in older.get_json()["items"])


def test_bad_query_parameters_are_problem_documents(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    token = create_api_token(session, s["admin"], "HR")  # type: ignore[arg-type]
    client = app.test_client()
    for query in (
        "page=0", "page=abc", "limit=501", "limit=-1", "status=maybe",
        "year=1800", "sort=name",
    ):  # fmt: skip
        endpoint = "ledger" if query.startswith("year") else "progress"
        response = client.get(
            f"/api/v1/district/{endpoint}?{query}", headers=_auth(token)
        )
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_expired_tokens_are_refused_with_401_and_old_tokens_only_verify(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    client = app.test_client()
    token = create_api_token(session, s["admin"], "HR", lifetime_days=30)  # type: ignore[arg-type]
    record = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token))
    )
    assert record is not None
    record.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    expired = client.get("/api/v1/district/progress", headers=_auth(token))
    assert expired.status_code == 401
    assert "expired" in expired.get_json()["detail"]
    assert (
        client.post(
            "/api/v1/verify/batch", json={"urls": []}, headers=_auth(token)
        ).status_code
        == 401
    )
    # A token made before scopes existed holds verify:batch only (the migration's
    # default): it cannot read progress.
    old = create_api_token(session, s["admin"], "Old", scopes=["verify:batch"])  # type: ignore[arg-type]
    assert (
        client.get("/api/v1/district/progress", headers=_auth(old)).status_code == 403
    )
    # And a token without verify:batch cannot start a batch.
    reader = create_api_token(session, s["admin"], "Reader", scopes=["ledger:read"])  # type: ignore[arg-type]
    batch = client.post(
        "/api/v1/verify/batch",
        json={"urls": ["https://x.example/credentials/1"]},
        headers=_auth(reader),
    )
    assert batch.status_code == 403 and "verify:batch" in batch.get_json()["detail"]


def test_only_district_administrators_tokens_read_district_data(
    app: Flask, session: Session
) -> None:
    platform_admin = UserFactory(admin=True)
    token = create_api_token(session, platform_admin, "Ops")
    response = app.test_client().get("/api/v1/district/progress", headers=_auth(token))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert app.test_client().get("/api/v1/district/ledger").status_code == 401


def _browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


def test_the_token_page_chooses_scopes_and_expiry_and_shows_them(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    client = _browser(app, admin)
    page = text(client.get("/account/api-tokens"))
    assert "Read the hours ledger" in page and "The token stops working after" in page
    none_chosen = client.post(
        "/account/api-tokens", data={"name": "HR", "lifetime": "30"}
    )
    assert none_chosen.status_code in (200, 422)
    assert "Choose at least one thing the token may do." in text(none_chosen)
    assert session.scalar(select(ApiToken).where(ApiToken.user_id == admin.id)) is None
    made = client.post(
        "/account/api-tokens",
        data={
            "name": "HR",
            "scopes": ["ledger:read", "progress:read"],
            "lifetime": "30",
        },
    )
    record = session.scalar(select(ApiToken).where(ApiToken.user_id == admin.id))
    assert record is not None
    assert record.scope_set == {"ledger:read", "progress:read"}
    assert record.expires_at is not None
    assert timedelta(days=29) < record.expires_at - utcnow() <= timedelta(days=30)
    listing = text(made)
    assert "progress:read" in listing and "Never" in listing  # never used yet


def _roster_upload(client: FlaskClient, token: str, csv_text: str) -> object:
    import io

    return client.post(
        "/api/v1/district/roster",
        data={"users": (io.BytesIO(csv_text.encode()), "staff.csv")},
        content_type="multipart/form-data",
        headers=_auth(token),
    )


def test_a_roster_is_previewed_then_applied_with_roster_write(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    SchoolFactory(district=admin.district, name="North School")
    client = app.test_client()
    reader = create_api_token(session, admin, "Reader", scopes=["progress:read"])
    refused = _roster_upload(client, reader, "name,email,school,role\n")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    token = create_api_token(session, admin, "SIS", scopes=["roster:write"])
    bad = _roster_upload(
        client, token, "name,email,school,role\nAna,not-an-email,North School,teacher\n"
    )
    assert bad.status_code == 201  # type: ignore[attr-defined]
    preview = bad.get_json()  # type: ignore[attr-defined]
    assert preview["status"] == "preview"
    assert preview["problems"][0]["line"] == 2
    assert preview["problems"][0]["column"] == "email"
    refused_apply = client.post(preview["links"]["apply"], headers=_auth(token))
    assert refused_apply.status_code == 409
    assert refused_apply.mimetype == "application/problem+json"
    good = _roster_upload(
        client,
        token,
        "name,email,school,role\n"
        "Ana Ruiz,ana.ruiz@school.example,North School,teacher\n",
    ).get_json()  # type: ignore[attr-defined]
    assert good["problems"] == [] and good["summary"]["new"] == 1
    applied = client.post(good["links"]["apply"], headers=_auth(token))
    assert applied.status_code == 202
    status = client.get(good["links"]["self"], headers=_auth(token)).get_json()
    assert status["status"] in ("queued", "applying", "done")
    # Another district's administrator cannot read or apply it (404).
    stranger = UserFactory(district_admin=True)
    theirs = create_api_token(session, stranger, "SIS", scopes=["roster:write"])
    assert client.get(good["links"]["self"], headers=_auth(theirs)).status_code == 404
    assert client.post(good["links"]["apply"], headers=_auth(theirs)).status_code == 404
    not_multipart = client.post(
        "/api/v1/district/roster", json={"users": "x"}, headers=_auth(token)
    )
    assert not_multipart.status_code == 415
