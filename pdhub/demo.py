"""Demo data for ``pdhub demo``: a district with two schools and one account per role.

Idempotent: running it again finds what exists and changes nothing. Staff accounts come
with two-factor sign-in enrolled (fixed, printed secrets) so the demo signs in exactly as
production does.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import utcnow
from pdhub.districts.models import District, School
from pdhub.districts.service import new_join_code
from pdhub.extensions import db
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



@dataclass(frozen=True)
class DemoSite:
    """What ``pdhub demo`` prints: the demo district and the sign-ins."""

    district_name: str
    join_code: str
    accounts: list[DemoAccount]


def prepare_demo(app: Flask) -> DemoSite:
    """Bring ``app``'s database to the demo state and commit: what ``pdhub demo`` does
    before it serves (migrations, then every feature's demo data, each idempotent).

    Features that add demo data hook it in here, so the command and the browser tests
    that run it see the same site.
    """
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        district, accounts = seed(db.session)
        db.session.commit()
        return DemoSite(district.name, district.join_code, accounts)
