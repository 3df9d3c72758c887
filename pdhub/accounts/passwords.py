"""Password rules (length, common-password refusal) and argon2id hashing."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile
# Recovery codes carry 80 random bits already; a lighter argon2id (OWASP's minimum:
# 19 MiB, 2 passes) keeps them slow to test offline while a sign-in with a code,
# which checks up to ten of them, stays quick.
_code_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is refused, in plain words, or None when it is acceptable.

    Applies NIST SP 800-63B: a minimum length, no composition rules, and refusal of
    common or easily guessed passwords (zxcvbn's dictionaries and patterns), so a long
    passphrase passes and "Password1234" does not.
    """
    if len(password) < MIN_LENGTH:
        return str(
            _(
                "Use at least %(num)d characters. A short phrase works well.",
                num=MIN_LENGTH,
            )
        )
    if len(password) > MAX_LENGTH:
        return str(_("Use at most %(num)d characters.", num=MAX_LENGTH))
    result = zxcvbn(password[:100], user_inputs=[i for i in user_inputs if i])
    if result["score"] < 3:
        return str(
            _(
                "That password is too common or easy to guess. Try a few unrelated "
                "words, like a short sentence only you would write."
            )
        )
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_recovery_code(code: str) -> str:
    return _code_hasher.hash(code)


def check_recovery_code(code_hash: str, code: str) -> bool:
    try:
        return _code_hasher.verify(code_hash, code)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A fixed hash to verify against when the account does not exist, so that sign-in
# takes the same time whether or not the email is registered.
DUMMY_HASH = _hasher.hash("no account has this password, it only burns time")
