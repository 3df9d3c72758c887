"""Security headers and cookie flags on every response, checked by crawling: every GET
route in the URL map (those with arguments filled from a seeded world of one district,
or with ids that do not exist), then every same-site link and image those pages show,
as a visitor and as each role; in the embedded default and in production."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pdhub.accounts.models import User
from pdhub.credentials import service as credentials
from pdhub.credentials.achievements import achievement_key
from pdhub.db import utcnow
from pdhub.extensions import db
from pdhub.learning.models import EnrollmentStatus
from tests.factories import (
    PASSWORD,
    ArtifactFactory,
    AwardFactory,
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    QuizAttemptFactory,
    SchoolFactory,
    SubmissionFactory,
    UserFactory,
    totp_for,
)
from tests.test_app import PRODUCTION

ROLES = ["visitor", "teacher", "coach", "district_admin", "admin"]
#: Pages of one kind (path with ids replaced) fetched at most this often per role.
PER_KIND = 2
MAX_REQUESTS = 400
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


@dataclass
class World:
    people: dict[str, object]
    values: dict[str, str]


def seed_world() -> World:
    district = DistrictFactory()
    school = SchoolFactory(district=district)
    teacher = UserFactory(district=district, school=school)
    coach = UserFactory(coach=True, district=district)
    assignment = CoachAssignmentFactory(coach=coach, district=district)
    district_admin = UserFactory(district_admin=True, district=district)
    admin = UserFactory(admin=True)
    enrollment = EnrollmentFactory(user=teacher)
    QuizAttemptFactory(enrollment=enrollment, number=1)
    submission = SubmissionFactory(enrollment=enrollment, in_review=True)
    artifact = ArtifactFactory(submission=submission)
    award = AwardFactory(
        enrollment=EnrollmentFactory(
            user=teacher, status=EnrollmentStatus.COMPLETED, completed_at=utcnow()
        )
    )
    credential = credentials.issue_credential(db.session, award.id)
    assert credential is not None
    credentials.set_shared(db.session, teacher, credential, True)
    module = enrollment.module
    values = {
        "enrollment_id": str(enrollment.id),
        "submission_id": str(submission.id),
        "artifact_id": str(artifact.id),
        "user_id": str(teacher.id),
        "district_id": str(district.id),
        "school_id": str(school.id),
        "assignment_id": str(assignment.id),
        "credential_id": credential.id,
        "name": credential.id,
        "key": achievement_key(module),
        "issuer_id": "pdhub",
        "list_id": str(credential.revocation_list_id),
        "slug": module.slug,
        "lesson_slug": module.lessons[0].slug if module.lessons else "lesson-1",
        "number": "1",
        "filename": "site.css",
    }
    people = {
        "teacher": teacher,
        "coach": coach,
        "district_admin": district_admin,
        "admin": admin,
    }
    return World(people=people, values=values)


def route_urls(app: Flask, values: dict[str, str]) -> list[str]:
    """One URL for every GET rule: its arguments from ``values``, else an id or a
    word that names nothing (so error pages are checked too)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        path = re.sub(
            r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>",
            lambda m: values.get(m.group(1), "1"),
            rule.rule,
        )
        urls.append(path)
    return sorted(set(urls))


_ID = re.compile(r"^(\d+|[0-9a-f-]{16,}|[A-Za-z0-9_-]{32,})$")


def kind(url: str) -> str:
    path = urlsplit(url).path
    return "/".join("{id}" if _ID.match(p) else p for p in path.split("/"))


_LINK = re.compile(r'(?:href|src)="(/[^"#]*)')


@dataclass
class Crawl:
    responses: list[tuple[str, TestResponse]] = field(default_factory=list)

    def run(self, client: FlaskClient, start: list[str]) -> None:
        queue = deque(start)
        seen: set[str] = set()
        per_kind: dict[str, int] = {}
        while queue and len(self.responses) < MAX_REQUESTS:
            url = queue.popleft()
            if url in seen or re.search(r"/sign-?out", url):
                continue
            seen.add(url)
            k = kind(url)
            if url not in start and per_kind.get(k, 0) >= PER_KIND:
                continue
            per_kind[k] = per_kind.get(k, 0) + 1
            response = client.get(url)
            # Read the body now and close the response: static files are streamed
            # from open files, which would otherwise stay open until collected.
            body = response.get_data(as_text=response.mimetype == "text/html")
            response.close()
            self.responses.append((url, response))
            if response.mimetype == "text/html":
                assert isinstance(body, str)
                for link in _LINK.findall(body):
                    queue.append(link.replace("&amp;", "&"))


def header_problems(url: str, response: TestResponse, *, production: bool) -> list[str]:
    h = response.headers
    problems = []
    where = f"{url} ({response.status_code} {response.mimetype})"
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no X-Content-Type-Options: nosniff")
    if h.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"{where}: Referrer-Policy {h.get('Referrer-Policy')!r}")
    csp = h.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp:
        problems.append(f"{where}: CSP without frame-ancestors 'none': {csp!r}")
    if h.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: X-Frame-Options {h.get('X-Frame-Options')!r}")
    if "camera=()" not in h.get("Permissions-Policy", ""):
        problems.append(f"{where}: Permissions-Policy {h.get('Permissions-Policy')!r}")
    if response.mimetype == "text/html":
        for directive in ("default-src 'self'", "script-src 'self'", "object-src"):
            if directive not in csp:
                problems.append(f"{where}: CSP without {directive}")
        if "unsafe-inline" in csp.split("style-src")[0] or "unsafe-eval" in csp:
            problems.append(f"{where}: CSP allows inline script: {csp!r}")
        if "no-store" not in h.get("Cache-Control", ""):
            problems.append(f"{where}: HTML page cached: {h.get('Cache-Control')!r}")
    hsts = h.get("Strict-Transport-Security")
    if production:
        age = re.search(r"max-age=(\d+)", hsts or "")
        if not age or int(age.group(1)) < 31536000:
            problems.append(f"{where}: Strict-Transport-Security {hsts!r}")
    elif hsts:
        problems.append(f"{where}: HSTS sent over plain http: {hsts!r}")
    for raw in h.getlist("Set-Cookie"):
        problems.extend(cookie_problems(where, raw, production=production))
    return problems


def cookie_problems(where: str, raw: str, *, production: bool) -> list[str]:
    cookie = SimpleCookie()
    cookie.load(raw)
    problems = []
    for name, morsel in cookie.items():
        if not morsel["httponly"]:
            problems.append(f"{where}: cookie {name} not HttpOnly")
        if str(morsel["samesite"]).lower() not in {"lax", "strict"}:
            problems.append(f"{where}: cookie {name} SameSite={morsel['samesite']!r}")
        if production and not morsel["secure"]:
            problems.append(f"{where}: cookie {name} not Secure")
        if production and not name.startswith("__Host-"):
            problems.append(f"{where}: cookie {name} without the __Host- prefix")
    return problems


@pytest.fixture
def crawl_as(session: Session) -> Iterator[Callable[[Flask, str], Crawl]]:
    world = seed_world()

    def crawl(app: Flask, role: str) -> Crawl:
        client = app.test_client()
        result = Crawl()
        if role != "visitor":
            # Signing in sets the session cookie: check those responses too.
            user = world.people[role]
            assert isinstance(user, User)
            response = client.post(
                "/signin", data={"email": user.email, "password": PASSWORD}
            )
            result.responses.append(("POST /signin", response))
            if user.two_factor_enabled:
                code = totp_for(user).now()
                response = client.post("/signin/code", data={"code": code})
                result.responses.append(("POST /signin/code", response))
            assert response.status_code == 303
            assert response.headers["Location"] == "/dashboard"
        result.run(client, route_urls(app, world.values))
        opened = {
            url for url, response in result.responses if response.status_code == 200
        }
        for page in OPENS.get(role, []):
            assert page.format(**world.values) in opened, page
        return result

    yield crawl


#: Pages of the seeded world each role opens (so the crawl is not all error pages).
OPENS = {
    "visitor": ["/privacy", "/credentials/{name}", "/.well-known/security.txt"],
    "teacher": ["/learn/{enrollment_id}/evidence", "/files/{artifact_id}", "/badges"],
    "coach": ["/review/{submission_id}", "/files/{artifact_id}"],
    "district_admin": ["/district/staff/{user_id}", "/district/schools/{school_id}"],
    "admin": ["/admin/users/{user_id}", "/admin/districts/{district_id}"],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_response_has_the_security_headers(
    app: Flask, crawl_as: Callable[[Flask, str], Crawl], role: str
) -> None:
    crawl = crawl_as(app, role)
    statuses = {response.status_code for _, response in crawl.responses}
    # The crawl saw pages, redirects, files and error pages alike.
    assert 200 in statuses and 404 in statuses
    problems = [
        problem
        for url, response in crawl.responses
        for problem in header_problems(url, response, production=False)
    ]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("role", ["visitor", "teacher", "coach"])
def test_in_production_every_response_is_https_only_with_secure_cookies(
    app_factory, crawl_as: Callable[[Flask, str], Crawl], role: str
) -> None:
    production = app_factory(**PRODUCTION, SERVER_NAME="pd.example.org")
    crawl = crawl_as(production, role)
    cookies = [
        raw
        for _, response in crawl.responses
        for raw in response.headers.getlist("Set-Cookie")
    ]
    assert cookies, "no response set a cookie"
    problems = [
        problem
        for url, response in crawl.responses
        for problem in header_problems(url, response, production=True)
    ]
    assert not problems, "\n".join(problems[:40])
