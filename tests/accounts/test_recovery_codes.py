"""Recovery codes: 80 random bits each, stored with a salted, slow hash (argon2id);
codes made before keep working until used or replaced."""

from __future__ import annotations

import hashlib
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts import service
from pdhub.accounts.models import RecoveryCode
from pdhub.extensions import db
from tests.factories import PASSWORD, UserFactory

CODE = re.compile(r"^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$")


def test_each_code_carries_80_random_bits(session: Session) -> None:
    teacher = UserFactory(two_factor=True)
    codes = service.regenerate_recovery_codes(db.session, teacher)
    assert len(codes) == 10 and len(set(codes)) == 10
    # 16 base32 characters of 5 bits each.
    assert all(CODE.match(code) for code in codes)


def test_codes_are_stored_with_a_salted_slow_hash(session: Session) -> None:
    teacher = UserFactory(two_factor=True)
    codes = service.regenerate_recovery_codes(db.session, teacher)
    stored = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == teacher.id)
    ).all()
    assert all(h.startswith("$argon2id$") for h in stored)
    unsalted = {hashlib.sha256(c.encode()).hexdigest() for c in codes} | {
        hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes
    }
    assert not unsalted & set(stored)
    salts = {h.split("$")[4] for h in stored}
    assert len(salts) == 10


def _sign_in_with(client: FlaskClient, email: str, code: str) -> int:
    client.post("/signin", data={"email": email, "password": PASSWORD})
    status = client.post("/signin/code", data={"code": code}).status_code
    client.post("/signout")
    return status


def test_a_code_works_once_typed_without_dashes_or_in_capitals(
    client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory(two_factor=True)
    code = service.regenerate_recovery_codes(db.session, teacher)[3]
    db.session.commit()
    assert _sign_in_with(client, teacher.email, code.replace("-", " ").upper()) == 303
    assert _sign_in_with(client, teacher.email, code) == 401


def test_a_code_made_before_the_change_still_signs_in_once(
    client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory(two_factor=True)
    old = "a1b2c3-d4e5f6"
    db.session.add(
        RecoveryCode(
            user_id=teacher.id, code_hash=hashlib.sha256(old.encode()).hexdigest()
        )
    )
    db.session.commit()
    assert _sign_in_with(client, teacher.email, "wrong1-wrong2") == 401
    assert _sign_in_with(client, teacher.email, old.upper()) == 303
    assert _sign_in_with(client, teacher.email, old) == 401
