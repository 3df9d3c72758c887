"""Demo data for personalized learning and the classroom picture: Maya's
self-assessment (so she sees recommendations), and class access inventories from the
digital-equity module: 12 classes of one school shared with the district, 4 of the
other (too few to show), and one class whose teacher chose not to share (once)."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District, School
from pdhub.errors import NotFound
from pdhub.learning import service as learning
from pdhub.learnpath import inventory, service

MAYA = "teacher@riverside.example.org"
EQUITY_MODULE = "digital-equity-classroom"
MAYA_ANSWERS = {
    "digital-equity-classroom/closing-use-divide": "beginning",
    "digital-equity-classroom/mapping-access": "developing",
    "technology-rich-lesson-design/active-student-use": "developing",
    "technology-rich-lesson-design/purposeful-technology": "confident",
    "student-data-privacy/applying-ferpa": "confident",
    "udl-assistive-technology/udl-design": "beginning",
}
#: (school, how many classes share their counts, how many do not)
CLASSES = (("Lakeview Middle School", 12, 1), ("Riverside Elementary School", 4, 0))


def _class_teacher(
    session: DbSession, district: District, school: School, number: int, unknown: str
) -> User:
    email = f"class{number:02d}@riverside.example.org"
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            name=f"Demo Teacher {number:02d}",
            # Nobody signs in as these teachers: a random password nobody knows.
            password_hash=unknown,
            role=Role.TEACHER,
            district_id=district.id,
            school_id=school.id,
            email_verified_at=utcnow(),
        )
        session.add(user)
        session.flush()
    return user


def seed(session: DbSession, district: District) -> None:
    maya = session.scalar(select(User).where(User.email == MAYA))
    if maya is not None and service.latest(session, maya) is None:
        known = {item.key for item in service.items(session, "en")}
        service.save(session, maya, MAYA_ANSWERS, known)
    try:
        module = learning.current_module(session, EQUITY_MODULE)
    except NotFound:  # the catalog was imported without it: nothing to seed
        return
    schools = {school.name: school for school in district.schools}
    unknown = passwords.hash_password(secrets.token_urlsafe(24))
    number = 0
    for name, sharing, keeping in CLASSES:
        school = schools.get(name)
        if school is None:
            continue
        for index in range(sharing + keeping):
            number += 1
            teacher = _class_teacher(session, district, school, number, unknown)
            enrollment = learning.enroll(session, teacher, module)
            if inventory.inventory_of(session, enrollment) is not None:
                continue
            students = 22 + (number * 3) % 9
            inventory.save(
                session,
                teacher,
                enrollment,
                students,
                {
                    "device_at_home": students - 2 - number % 4,
                    "home_internet": students - 4 - number % 5,
                    "mobile_only": 2 + number % 3,
                    "shared_device": 3 + number % 4,
                    "no_quiet_place": 1 + number % 3,
                },
                shared=index < sharing,
            )
