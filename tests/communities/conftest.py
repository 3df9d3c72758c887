"""Two districts, their people, and a module whose community spans them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.communities import service
from pdhub.communities.models import Community, Thread
from pdhub.districts.models import District
from pdhub.learning.models import Module
from tests.factories import (
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    UserFactory,
)
from tests.helpers import sign_in


@dataclass
class World:
    district: District
    other_district: District
    teacher: User
    colleague: User
    outsider: User  # a teacher of the other district
    coach: User  # serves ``district``
    district_admin: User
    other_admin: User  # the other district's administrator
    admin: User
    module: Module


@pytest.fixture
def world(session: Session) -> World:
    district = DistrictFactory(name="Riverside")
    other = DistrictFactory(name="Lakeside")
    module = ModuleFactory(slug="ai-classroom", title="AI in the classroom")
    teacher = UserFactory(name="Maya Lopez", district=district)
    colleague = UserFactory(name="Sam Green", district=district)
    outsider = UserFactory(name="Olga Far", district=other)
    for person in (teacher, colleague, outsider):
        EnrollmentFactory(user=person, module=module)
    coach = UserFactory(coach=True, name="Carlos Coach", district=district)
    CoachAssignmentFactory(coach=coach, district=district)
    world = World(
        district=district,
        other_district=other,
        teacher=teacher,
        colleague=colleague,
        outsider=outsider,
        coach=coach,
        district_admin=UserFactory(district_admin=True, district=district),
        other_admin=UserFactory(district_admin=True, district=other),
        admin=UserFactory(admin=True),
        module=module,
    )
    session.flush()
    return world


def community_of(session: Session, user: User, kind: str) -> Community:
    service.ensure_communities(session, user)
    session.flush()
    return next(
        c for c in service.visible_communities(session, user) if c.kind.value == kind
    )


def start(
    session: Session,
    user: User,
    community: Community,
    title: str = "Hello",
    body: str = "First post",
) -> Thread:
    thread = service.start_thread(session, user, community, title=title, body=body)
    session.flush()
    return thread


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], FlaskClient]:
    """``signed_in(user)``: a client signed in as ``user``, once per test (a staff
    member's two-factor code works once)."""
    clients: dict[int, FlaskClient] = {}

    def get(user: User) -> FlaskClient:
        if user.id not in clients:
            clients[user.id] = app.test_client()
            sign_in(clients[user.id], user)
        return clients[user.id]

    return get


SignedIn = Callable[[User], FlaskClient]
