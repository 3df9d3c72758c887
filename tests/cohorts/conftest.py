"""Two districts and their people, a coach serving the first, and two modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.districts.models import District
from pdhub.learning.models import Module
from tests.factories import (
    CoachAssignmentFactory,
    DistrictFactory,
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
    other_coach: User  # serves the other district
    district_admin: User
    other_admin: User
    admin: User
    module: Module
    second_module: Module


@pytest.fixture
def world(session: Session) -> World:
    district = DistrictFactory(name="Riverside")
    other = DistrictFactory(name="Lakeside")
    coach = UserFactory(
        coach=True, name="Carlos Coach", district=district, time_zone="America/Chicago"
    )
    CoachAssignmentFactory(coach=coach, district=district)
    other_coach = UserFactory(coach=True, name="Olivia Coach", district=other)
    CoachAssignmentFactory(coach=other_coach, district=other)
    world = World(
        district=district,
        other_district=other,
        teacher=UserFactory(
            name="Maya Lopez", district=district, time_zone="America/New_York"
        ),
        colleague=UserFactory(name="Sam Green", district=district),
        outsider=UserFactory(name="Olga Far", district=other),
        coach=coach,
        other_coach=other_coach,
        district_admin=UserFactory(district_admin=True, district=district),
        other_admin=UserFactory(district_admin=True, district=other),
        admin=UserFactory(admin=True),
        module=ModuleFactory(slug="ai-classroom", title="AI in the classroom"),
        second_module=ModuleFactory(slug="equity", title="Digital equity"),
    )
    session.flush()
    return world


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], FlaskClient]:
    """``signed_in(user)``: a client signed in as ``user``, once per test."""
    clients: dict[int, FlaskClient] = {}

    def get(user: User) -> FlaskClient:
        if user.id not in clients:
            clients[user.id] = app.test_client()
            sign_in(clients[user.id], user)
        return clients[user.id]

    return get


SignedIn = Callable[[User], FlaskClient]
