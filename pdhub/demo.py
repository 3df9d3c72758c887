"""Demo data for ``pdhub demo``: a district with two schools and one account per role.

Idempotent: running it again finds what exists and changes nothing. Staff accounts come
with two-factor sign-in enrolled (fixed, printed secrets) so the demo signs in exactly as
production does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import utcnow
from pdhub.districts.models import District, School
from pdhub.districts.service import new_join_code
from pdhub.privacy import encryption

DISTRICT_NAME = "Riverside Unified School District"
SCHOOLS = ("Riverside Elementary School", "Lakeview Middle School")


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    name: str
    email: str
    password: str
    totp_secret: str | None = None
    school: str | None = None


ACCOUNTS = (
    DemoAccount(Role.TEACHER, "Maya Teacher", "teacher@riverside.example.org",
                "maple river lesson plan", school=SCHOOLS[0]),
    DemoAccount(Role.COACH, "Carlos Coach", "coach@riverside.example.org",
                "coach feedback rubric sunrise", "JBSWY3DPEHPK3PXPCOACHAAA"),
    DemoAccount(Role.DISTRICT_ADMIN, "Dana District", "district@riverside.example.org",
                "district harbor schedule lantern", "JBSWY3DPEHPK3PXPDISTRICT"),
    DemoAccount(Role.ADMIN, "Ada Admin", "admin@riverside.example.org",
                "platform admin cedar window", "JBSWY3DPEHPK3PXPADMINAAA"),
)


def seed(session: Session) -> tuple[District, list[DemoAccount]]:
    """Create the demo district, schools and accounts if missing; flush, no commit."""
    district = session.scalar(select(District).where(District.name == DISTRICT_NAME))
    if district is None:
        district = District(name=DISTRICT_NAME, join_code=new_join_code())
        session.add(district)
        session.flush()
    schools = {}
    for name in SCHOOLS:
        school = session.scalar(
            select(School).where(School.district_id == district.id, School.name == name)
        )
        if school is None:
            school = School(district_id=district.id, name=name)
            session.add(school)
            session.flush()
        schools[name] = school
    for account in ACCOUNTS:
        user = session.scalar(select(User).where(User.email == account.email))
        if user is not None:
            continue
        user = User(
            email=account.email,
            name=account.name,
            password_hash=passwords.hash_password(account.password),
            role=account.role,
            district_id=None if account.role is Role.ADMIN else district.id,
            school_id=schools[account.school].id if account.school else None,
        )
        if account.totp_secret:
            user.totp_secret = encryption.encrypt(account.totp_secret.encode())
            user.totp_enabled_at = utcnow()
        session.add(user)
    session.flush()
    return district, list(ACCOUNTS)


DEMO_MODULE = "digital-equity-classroom"


def seed_learning(session: Session) -> None:
    """Give the demo teacher a module in progress with its first two lessons done.

    Needs the modules imported first; does nothing if the teacher is already enrolled
    or no module is there.
    """
    from pdhub.learning import service as learning
    from pdhub.learning.models import Module

    teacher_email = next(a.email for a in ACCOUNTS if a.role is Role.TEACHER)
    teacher = session.scalar(select(User).where(User.email == teacher_email))
    module = session.scalar(
        select(Module).where(Module.is_current.is_(True))
        .order_by((Module.slug == DEMO_MODULE).desc(), Module.slug).limit(1)
    )
    if teacher is None or module is None:
        return
    if learning.enrollment_for(session, teacher, module.slug) is not None:
        return
    enrollment = learning.enroll(session, teacher, module)
    for lesson in module.lessons[:2]:
        learning.complete_lesson(session, teacher, enrollment, lesson)
