"""factory_boy factories with traits; they flush into the test's session, never commit."""

from __future__ import annotations

import factory
import pyotp
from factory.alchemy import SQLAlchemyModelFactory

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import utcnow
from pdhub.districts.models import District, School
from pdhub.districts.service import new_join_code
from pdhub.extensions import db

PASSWORD = "gentle orbit walnut teapot"
# Hashing is deliberately slow; hash the shared test password once.
PASSWORD_HASH = passwords.hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class DistrictFactory(BaseFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n}")
    join_code = factory.LazyFunction(new_join_code)


class SchoolFactory(BaseFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"School {n}")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person Number{n}")
    password_hash = PASSWORD_HASH
    role = Role.TEACHER
    district = factory.SubFactory(DistrictFactory)

    class Params:
        coach = factory.Trait(role=Role.COACH)
        district_admin = factory.Trait(role=Role.DISTRICT_ADMIN)
        admin = factory.Trait(role=Role.ADMIN, district=None)

    @factory.post_generation
    def two_factor(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        """Staff get a TOTP secret enrolled unless ``two_factor=False``; a teacher gets
        one with ``two_factor=True``. Read codes with ``totp_for(user)``."""
        from pdhub.privacy import encryption

        if extracted is False:
            return
        if extracted or obj.is_staff:
            secret = pyotp.random_base32()
            obj.totp_secret = encryption.encrypt(secret.encode())
            obj.totp_enabled_at = utcnow()
            db.session.flush()


def totp_for(user: User) -> pyotp.TOTP:
    from pdhub.accounts.service import totp_secret

    secret = totp_secret(user)
    assert secret is not None
    return pyotp.TOTP(secret)
