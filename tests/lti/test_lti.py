"""PD Hub as an LTI 1.3 tool, against a platform the test plays on loopback: the
login → launch → module page, every refused launch, deep linking, grades and the
course's staff, and the district administrator's registrations."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.request import urlopen

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pdhub.accounts.models import Role, User
from pdhub.learning.completion import complete_if_done
from pdhub.learning.models import Enrollment
from pdhub.lti.models import LtiContext, LtiGradeLink, LtiRegistration
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    QuizAttemptFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text
from tests.lti.platform import (
    CLAIM,
    INSTRUCTOR,
    LEARNER,
    SCORE_SCOPE,
    Platform,
)

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def register(session: Session, platform: Platform, district_id: int) -> LtiRegistration:
    registration = LtiRegistration(
        district_id=district_id,
        name="Test LMS",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.auth_url,
        auth_token_url=platform.token_url,
        jwks_url=platform.jwks_url,
        deployment_ids=platform.deployment_id,
    )
    session.add(registration)
    session.flush()
    return registration


def login(client: FlaskClient, platform: Platform, **claims: Any) -> dict[str, str]:
    """The platform's login initiation, then its auth endpoint's answer (a real
    request to the platform at the address PD Hub redirected to)."""
    started = client.post(
        "/lti/login",
        data={
            "iss": platform.issuer,
            "login_hint": "lms-user-1",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
            "lti_message_hint": "resource-9",
        },
    )
    assert started.status_code == 302, text(started)[:1000]
    location = started.headers["Location"]
    assert location.startswith(platform.auth_url + "?")
    assert "lti_message_hint=resource-9" in location
    platform.next_claims = claims
    with urlopen(location, timeout=10) as answer:  # noqa: S310 - loopback platform
        return dict(json.loads(answer.read()))


def launch(client: FlaskClient, platform: Platform, **claims: Any) -> TestResponse:
    return client.post("/lti/launch", data=login(client, platform, **claims))


def module_claims(slug: str, **more: Any) -> dict[str, Any]:
    return {CLAIM + "custom": {"module": slug}, **more}


def test_login_launch_lands_the_teacher_signed_in_on_the_module(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    district = DistrictFactory()
    register(session, platform, district.id)
    module = ModuleFactory(title="Equitable Grading")
    session.commit()

    response = launch(client, platform, **module_claims(module.slug))
    assert response.status_code == 303, text(response)[:2000]
    assert response.headers["Location"].endswith(f"/modules/{module.slug}")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Equitable Grading" in text(page)
    assert "Terry Teacher" in text(page)  # signed in: the page names them
    teacher = session.scalar(
        select(User).where(User.email == "terry@district-a.example.org")
    )
    assert teacher is not None
    assert teacher.district_id == district.id and teacher.role is Role.TEACHER

    # A second launch finds the same account (no duplicate), through target_link_uri.
    again = launch(
        client,
        platform,
        **{CLAIM + "target_link_uri": f"http://localhost/modules/{module.slug}"},
    )
    assert again.status_code == 303, text(again)[:2000]
    assert (
        session.scalar(
            select(func.count(User.id)).where(
                User.email == "terry@district-a.example.org"
            )
        )
        == 1
    )


def _refused(response: TestResponse) -> str:
    assert response.status_code == 400, text(response)[:2000]
    page = text(response)
    assert "PD Hub could not open this link" in page
    return page


def test_a_tampered_id_token_is_refused(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    register(session, platform, DistrictFactory().id)
    module = ModuleFactory()
    session.commit()
    answer = login(client, platform, **module_claims(module.slug))
    header, payload, signature = answer["id_token"].split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "someone-else@district-a.example.org"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = client.post(
        "/lti/launch",
        data={"id_token": f"{header}.{forged}.{signature}", "state": answer["state"]},
    )
    assert "could not be checked" in _refused(response)
    assert session.scalar(select(func.count(User.id))) == 0
    # Signed with a key that is not the platform's: refused the same way.
    from joserfc.jwk import RSAKey

    platform.key = RSAKey.generate_key(2048, private=True)
    other = login(client, platform, **module_claims(module.slug))
    platform.key = RSAKey.generate_key(2048, private=True)  # JWKS serves another
    assert "could not be checked" in _refused(client.post("/lti/launch", data=other))


def test_a_wrong_deployment_id_is_refused(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    register(session, platform, DistrictFactory().id)
    module = ModuleFactory()
    session.commit()
    response = launch(
        client,
        platform,
        **module_claims(module.slug, **{CLAIM + "deployment_id": "deployment-9"}),
    )
    assert "deployment" in _refused(response)


def test_an_expired_id_token_is_refused(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    register(session, platform, DistrictFactory().id)
    module = ModuleFactory()
    session.commit()
    past = int(time.time()) - 3600
    response = launch(
        client, platform, **module_claims(module.slug, iat=past - 300, exp=past)
    )
    _refused(response)
    assert session.scalar(select(func.count(User.id))) == 0


def test_a_replayed_launch_is_refused(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    register(session, platform, DistrictFactory().id)
    module = ModuleFactory()
    session.commit()
    answer = login(client, platform, **module_claims(module.slug))
    assert client.post("/lti/launch", data=answer).status_code == 303
    other_browser = client.application.test_client()
    assert "already used" in _refused(other_browser.post("/lti/launch", data=answer))
    # The same nonce under a fresh state is refused too.
    fresh = login(client, platform, **module_claims(module.slug))
    first_nonce = json.loads(
        __import__("base64").urlsafe_b64decode(answer["id_token"].split(".")[1] + "==")
    )["nonce"]
    replay = {
        "id_token": platform.id_token(first_nonce, **module_claims(module.slug)),
        "state": fresh["state"],
    }
    _refused(other_browser.post("/lti/launch", data=replay))


def test_bad_logins_and_launches_get_a_friendly_page(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    _refused(client.get("/lti/login"))
    _refused(
        client.get("/lti/login", query_string={"iss": "https://x", "login_hint": "1"})
    )
    _refused(client.post("/lti/launch", data={}))
    _refused(client.post("/lti/launch", data={"id_token": "a.b.c", "state": "nope"}))
    _refused(client.post("/lti/deep-link", data={"token": "nope"}))


def test_deep_linking_returns_a_jwt_the_platform_verifies(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    register(session, platform, DistrictFactory().id)
    first = ModuleFactory(title="Assessment for Learning")
    second = ModuleFactory(title="Family Partnerships")
    session.commit()
    return_url = platform.origin + "/courses/7/deep-link-return"
    picker = launch(
        client,
        platform,
        **{
            CLAIM + "message_type": "LtiDeepLinkingRequest",
            CLAIM + "roles": [INSTRUCTOR],
            DL + "deep_linking_settings": {
                "deep_link_return_url": return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_multiple": True,
                "data": "opaque-42",
            },
        },
    )
    assert picker.status_code == 200, text(picker)[:2000]
    page = text(picker)
    assert "Assessment for Learning" in page and "Family Partnerships" in page
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert token is not None, page
    nothing = client.post("/lti/deep-link", data={"token": token.group(1)})
    assert nothing.status_code == 422
    assert "Choose at least one module." in text(nothing)

    chosen = client.post(
        "/lti/deep-link",
        data={"token": token.group(1), "modules": [first.slug, second.slug]},
    )
    assert chosen.status_code == 200, text(chosen)[:2000]
    body = text(chosen)
    assert f'action="{return_url}"' in body
    assert "Back to my course" in body  # the no-JavaScript button
    assert platform.origin in chosen.headers["Content-Security-Policy"]
    jwt_value = re.search(r'name="JWT" value="([^"]+)"', body)
    assert jwt_value is not None
    platform.tool_jwks = client.get("/lti/jwks.json").get_json()
    claims = platform.verify_tool_jwt(jwt_value.group(1))
    assert claims["iss"] == platform.client_id and claims["aud"] == platform.issuer
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "opaque-42"
    items = claims[DL + "content_items"]
    assert [item["type"] for item in items] == ["ltiResourceLink"] * 2
    assert {item["custom"]["module"] for item in items} == {first.slug, second.slug}
    assert all(item["url"] == "http://localhost/lti/launch" for item in items)
    # The picker's token is single use.
    _refused(
        client.post(
            "/lti/deep-link", data={"token": token.group(1), "modules": [first.slug]}
        )
    )


def test_the_tool_jwks_is_stable(client: FlaskClient) -> None:
    first = client.get("/lti/jwks.json").get_json()
    second = client.get("/lti/jwks.json").get_json()
    assert first == second
    assert [key["kty"] for key in first["keys"]] == ["RSA"]
    assert first["keys"][0]["kid"] and "d" not in first["keys"][0]


def test_completing_a_launched_module_sends_the_score_in_process(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    register(session, platform, DistrictFactory().id)
    module = ModuleFactory()
    session.commit()
    platform.tool_jwks = client.get("/lti/jwks.json").get_json()
    response = launch(
        client,
        platform,
        **module_claims(
            module.slug,
            **{AGS: {"scope": [SCORE_SCOPE], "lineitem": platform.lineitem_url}},
        ),
    )
    assert response.status_code == 303
    teacher = session.scalar(select(User).where(User.email.like("terry@%")))
    assert teacher is not None
    enrollment = EnrollmentFactory(user=teacher, module=module)
    QuizAttemptFactory(enrollment=enrollment, passed=True)
    SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
    complete_if_done(session, enrollment)
    assert platform.scores == []  # only after the commit
    session.commit()  # the job runs eagerly here (no Redis)
    assert platform.errors == []
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["userId"] == "lms-user-1"
    assert score["scoreGiven"] == 1 and score["scoreMaximum"] == 1
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    link = session.scalar(select(LtiGradeLink))
    assert link is not None and link.score_sent_at is not None
    assert session.get(Enrollment, enrollment.id) is not None


def test_nrps_brings_in_the_course_staff_without_duplicates(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    district = DistrictFactory()
    other = DistrictFactory()
    register(session, platform, district.id)
    dana = UserFactory(district_admin=True, district=district)
    UserFactory(email="known@district-a.example.org", district=district)
    UserFactory(email="elsewhere@other.example.org", district=other)
    module = ModuleFactory()
    session.commit()
    platform.tool_jwks = client.get("/lti/jwks.json").get_json()
    platform.members = [
        {
            "user_id": "1",
            "email": "new.one@district-a.example.org",
            "name": "New One",
            "roles": [INSTRUCTOR],
            "status": "Active",
        },
        {
            "user_id": "2",
            "email": "NEW.ONE@district-a.example.org",
            "name": "New One",
            "roles": [INSTRUCTOR],
        },
        {
            "user_id": "3",
            "email": "known@district-a.example.org",
            "roles": [INSTRUCTOR],
        },
        {"user_id": "4", "email": "elsewhere@other.example.org", "roles": [INSTRUCTOR]},
        {"user_id": "5", "email": "student@district-a.example.org", "roles": [LEARNER]},
        {
            "user_id": "6",
            "email": "gone@district-a.example.org",
            "roles": [INSTRUCTOR],
            "status": "Inactive",
        },
    ]
    learner = client.application.test_client()
    launched = launch(
        learner,
        platform,
        **module_claims(
            module.slug,
            **{
                NRPS: {
                    "context_memberships_url": platform.memberships_url,
                    "service_versions": ["2.0"],
                }
            },
        ),
    )
    assert launched.status_code == 303
    context = session.scalar(select(LtiContext))
    assert context is not None and context.memberships_url == platform.memberships_url

    sign_in(client, dana)
    registration = session.scalar(select(LtiRegistration))
    assert registration is not None
    page = client.get(f"/district/integrations/lti/{registration.id}")
    assert "Summer PD" in text(page) and "Bring in the course's staff" in text(page)
    for _ in range(2):
        done = client.post(f"/district/integrations/lti/courses/{context.id}/staff")
        assert done.status_code == 303, text(done)[:2000]
    page = text(client.get(done.headers["Location"]))
    assert (
        "Brought in 0 of the course's staff as teachers; 3 already had an account."
        in page
    )
    emails = session.scalars(select(User.email).order_by(User.email)).all()
    assert emails.count("new.one@district-a.example.org") == 1
    assert "student@district-a.example.org" not in emails
    assert "gone@district-a.example.org" not in emails
    new = session.scalar(
        select(User).where(User.email == "new.one@district-a.example.org")
    )
    assert (
        new is not None and new.district_id == district.id and new.role is Role.TEACHER
    )
    elsewhere = session.scalar(
        select(User).where(User.email == "elsewhere@other.example.org")
    )
    assert elsewhere is not None and elsewhere.district_id == other.id
    assert platform.errors == []


def test_a_district_admin_registers_changes_and_removes_a_platform(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    dana = UserFactory(district_admin=True)
    session.commit()
    sign_in(client, dana)
    page = client.get("/district/integrations/lti")
    assert page.status_code == 200
    assert "http://localhost/lti/jwks.json" in text(page)
    assert "http://localhost/lti/login" in text(page)
    bad = client.post(
        "/district/integrations/lti",
        data=platform.registration_form(jwks_url="ftp://nowhere", deployment_ids=""),
    )
    assert bad.status_code == 422
    added = client.post("/district/integrations/lti", data=platform.registration_form())
    assert added.status_code == 303, text(added)[:2000]
    registration = session.scalar(select(LtiRegistration))
    assert registration is not None and registration.district_id == dana.district_id
    assert "Test LMS" in text(client.get("/district/integrations/lti"))
    changed = client.post(
        f"/district/integrations/lti/{registration.id}",
        data=platform.registration_form(name="Canvas", deployment_ids="d1\nd2\n"),
    )
    assert changed.status_code == 303
    session.refresh(registration)
    assert registration.name == "Canvas" and registration.deployments == ["d1", "d2"]
    removed = client.post(f"/district/integrations/lti/{registration.id}/remove")
    assert removed.status_code == 303
    assert session.scalar(select(func.count(LtiRegistration.id))) == 0


def test_another_districts_registration_answers_404(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    theirs = register(session, platform, DistrictFactory().id)
    context = LtiContext(
        registration_id=theirs.id,
        context_id="c1",
        title="Their course",
        memberships_url=platform.memberships_url,
    )
    session.add(context)
    dana = UserFactory(district_admin=True)
    session.commit()
    sign_in(client, dana)
    assert client.get(f"/district/integrations/lti/{theirs.id}").status_code == 404
    assert (
        client.post(
            f"/district/integrations/lti/{theirs.id}",
            data=platform.registration_form(name="Mine now"),
        ).status_code
        == 404
    )
    assert (
        client.post(f"/district/integrations/lti/{theirs.id}/remove").status_code == 404
    )
    assert (
        client.post(
            f"/district/integrations/lti/courses/{context.id}/staff"
        ).status_code
        == 404
    )
    assert "Their course" not in text(client.get("/district/integrations/lti"))
    session.refresh(theirs)
    assert theirs.name == "Test LMS"
    assert session.scalar(select(func.count(LtiRegistration.id))) == 1


def test_a_launch_never_signs_in_another_districts_account_or_staff(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    district = DistrictFactory()
    register(session, platform, district.id)
    UserFactory(email="terry@district-a.example.org")  # in another district
    UserFactory(
        email="dana@district-a.example.org", district_admin=True, district=district
    )
    module = ModuleFactory()
    session.commit()
    assert "another district" in _refused(
        launch(client, platform, **module_claims(module.slug))
    )
    staff = launch(
        client,
        platform,
        **module_claims(module.slug, email="dana@district-a.example.org"),
    )
    assert "Staff accounts" in _refused(staff)


def test_the_demo_district_admin_sees_the_lti_page(
    session: Session, client: FlaskClient
) -> None:
    from pdhub.lti import demo

    dana = UserFactory(district_admin=True, name="Dana District")
    demo.seed(session, dana.district)
    demo.seed(session, dana.district)  # idempotent
    session.commit()
    assert session.scalar(select(func.count(LtiRegistration.id))) == 1
    sign_in(client, dana)
    index = text(client.get("/district/integrations"))
    assert (
        'href="/district/integrations/lti"' in index
    )  # the integrations page links it
    page = text(client.get("/district/integrations/lti"))
    assert "Riverside Canvas" in page
    registration = session.scalar(select(LtiRegistration))
    assert registration is not None
    detail = text(client.get(f"/district/integrations/lti/{registration.id}"))
    assert "Riverside summer PD" in detail
    assert "Bring in the course's staff" in detail


def test_the_lti_tables_migrate_and_a_launch_works_on_sqlite(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_migrate import downgrade, upgrade

    from pdhub.extensions import db

    lms = Platform()
    monkeypatch.setitem(sqlite_app.config, "PDHUB_LTI_ALLOWED_HOSTS", lms.origin)
    with sqlite_app.app_context(), lms.running():
        downgrade(revision="-1")
        upgrade()
        district = DistrictFactory()
        register(db.session, lms, district.id)
        module = ModuleFactory(title="Offline-first lessons")
        db.session.commit()
        client = sqlite_app.test_client()
        response = launch(client, lms, **module_claims(module.slug))
        assert response.status_code == 303, text(response)[:2000]
        assert "Offline-first lessons" in text(client.get(response.headers["Location"]))
        db.session.remove()


def test_a_module_completed_before_the_course_linked_it_is_graded_at_launch(
    session: Session, client: FlaskClient, platform: Platform
) -> None:
    district = DistrictFactory()
    register(session, platform, district.id)
    teacher = UserFactory(email="terry@district-a.example.org", district=district)
    module = ModuleFactory()
    enrollment = EnrollmentFactory(user=teacher, module=module)
    QuizAttemptFactory(enrollment=enrollment, passed=True)
    SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
    complete_if_done(session, enrollment)
    session.commit()
    platform.tool_jwks = client.get("/lti/jwks.json").get_json()
    claims = module_claims(
        module.slug,
        **{AGS: {"scope": [SCORE_SCOPE], "lineitem": platform.lineitem_url}},
    )
    assert launch(client, platform, **claims).status_code == 303
    assert [score["activityProgress"] for score in platform.scores] == ["Completed"]
    assert launch(client, platform, **claims).status_code == 303
    assert len(platform.scores) == 1  # sent once


def test_a_refused_launch_speaks_spanish_to_a_spanish_browser(
    session: Session, client: FlaskClient
) -> None:
    refused = client.get("/lti/login", headers={"Accept-Language": "es"})
    assert refused.status_code == 400
    page = text(refused)
    assert "PD Hub no pudo abrir este enlace" in page
    assert "A este enlace de su plataforma de aprendizaje le faltan datos." in page
