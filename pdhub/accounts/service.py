"""Account rules: registration, sign-in sessions, passwords, two-factor and API tokens.

Functions take the SQLAlchemy session first, flush, raise domain errors, and never
commit: the view or task that calls them commits once.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

import pyotp
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import CursorResult, delete, select, update

from pdhub.accounts import passwords, policies, timezones
from pdhub.accounts.models import (
    AccountToken,
    ApiToken,
    RecoveryCode,
    Role,
    TokenPurpose,
    User,
    UserSession,
)
from pdhub.accounts.scopes import SCOPES
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District, School
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.i18n import current_language
from pdhub.notifications import service as notifications
from pdhub.privacy import encryption

RESET_MAX_AGE = timedelta(hours=2)
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_BYTES = 10  # 80 bits
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


def token_hash(token: str) -> str:
    """The stored form of a bearer secret (session, invitation, API token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def canonical_email(text: str) -> str:
    """NFKC-normalized, trimmed and case-folded: ``priya@ｒiverside.example.org`` and
    ``PRIYA@riverside.example.org`` are the same text. Used for throttle keys even
    when the text is not a valid address."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def normalize_email(email: str, field: str = "email") -> str:
    """The one canonical form of an address, used wherever addresses are compared,
    stored or counted; raise InvalidInput if it is not an address."""
    text = canonical_email(email)
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput(
            _(
                "Enter an email address like name@school.org (%(reason)s).",
                reason=error,
            ),
            field=field,
        ) from None
    return canonical_email(checked.normalized)


def email_key(email: str) -> str:
    """The key a throttle counts an address under (the canonical address when valid)."""
    try:
        return normalize_email(email)
    except InvalidInput:
        return canonical_email(email)[:254]


def find_user_by_email(session: DbSession, email: str) -> User | None:
    try:
        address = normalize_email(email)
    except InvalidInput:
        return None
    return session.scalar(select(User).where(User.email == address))


def _profile_problem(
    *,
    name: str,
    address: str,
    password: str,
    district: District | None,
    school: School | None,
) -> InvalidInput | None:
    """The first thing wrong with a new account's details (never whether the email is
    taken), or None."""
    if not name:
        return InvalidInput(_("Enter your name."), field="name")
    if len(name) > 120:
        return InvalidInput(
            _("Use at most 120 characters for your name."), field="name"
        )
    problem = passwords.password_problem(password, user_inputs=(address, name))
    if problem:
        return InvalidInput(problem, field="password")
    if school is not None and (district is None or school.district_id != district.id):
        return InvalidInput(_("Choose a school in your district."), field="school")
    return None


def register_user(
    session: DbSession,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.TEACHER,
    district: District | None = None,
    school: School | None = None,
    email_verified: bool = False,
) -> User:
    """Create an account. Raises InvalidInput (with the field) for a taken email, an
    empty name, a school outside the district, or a password the rules refuse.

    For administrators and the command line, who may know who has an account; the
    public sign-up page uses sign_up, which never tells. The address counts as
    verified only with ``email_verified`` (it was proven, e.g. by an emailed
    invitation); otherwise send_verification() mails a link."""
    address = normalize_email(email)
    name = " ".join(name.split())
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise InvalidInput(
            _(
                "An account with this email already exists. "
                "Sign in, or reset your password."
            ),
            field="email",
        )
    problem = _profile_problem(
        name=name, address=address, password=password, district=district, school=school
    )
    if problem:
        raise problem
    return _create_user(
        session,
        address,
        name,
        passwords.hash_password(password),
        role,
        district,
        school,
        email_verified,
    )


def _create_user(
    session: DbSession,
    address: str,
    name: str,
    password_hash: str,
    role: Role,
    district: District | None,
    school: School | None,
    email_verified: bool = False,
) -> User:
    user = User(
        email=address,
        name=name,
        password_hash=password_hash,
        role=role,
        district_id=district.id if district else None,
        school_id=school.id if school else None,
        email_verified_at=utcnow() if email_verified else None,
    )
    session.add(user)
    session.flush()
    return user


class SignUp(NamedTuple):
    """What a public sign-up did: ``user`` is the new account, or None when the
    address already had one (``existing``, to be told by email, never on the page)."""

    user: User | None
    existing: User | None


def sign_up(
    session: DbSession,
    *,
    email: str,
    name: str,
    password: str,
    district: District | None = None,
) -> SignUp:
    """A teacher's own sign-up, which answers the same whether or not the address
    already has an account (no enumeration): the details are checked alike, the
    password is hashed alike (the same time), and the address is emailed either a
    welcome (and a confirmation link) or, for an existing account, a note that
    someone tried to sign up.

    Raises InvalidInput for a malformed email, an empty name or a refused password.
    """
    address = normalize_email(email)
    name = " ".join(name.split())
    problem = _profile_problem(
        name=name, address=address, password=password, district=district, school=None
    )
    if problem:
        raise problem
    password_hash = passwords.hash_password(password)
    existing = session.scalar(select(User).where(User.email == address))
    if existing is not None:
        notifications.tell(
            session,
            notifications.Message(
                # Each attempt is its own message.
                key=f"signup-existing:{existing.id}:{secrets.token_hex(8)}",
                to=existing,
                subject=_l("Someone tried to create a PD Hub account with your email"),
                template="signup_existing",
                context={
                    "user": existing,
                    "signin_link": notifications.link_for("accounts.signin"),
                    "reset_link": notifications.link_for("accounts.forgot_password"),
                },
            ),
        )
        return SignUp(user=None, existing=existing)
    user = _create_user(
        session, address, name, password_hash, Role.TEACHER, district, None
    )
    # The language they signed up in is theirs until they choose another: their
    # email and pages follow it from the first message on.
    user.language = current_language()
    notifications.tell(
        session,
        notifications.Message(
            key=f"signup-welcome:{user.id}",
            to=user,
            subject=_l("Welcome to PD Hub"),
            template="signup_welcome",
            context={"user": user, "link": notifications.link_for("accounts.signin")},
        ),
    )
    # Enrolling and badges wait until the address is confirmed.
    send_verification(session, user)
    return SignUp(user=user, existing=None)


def authenticate(session: DbSession, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Takes the same time for
    unknown emails (a dummy hash is checked) so accounts cannot be enumerated."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        passwords.check_password(passwords.DUMMY_HASH, password)
        return None
    if not passwords.check_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


# --- server-side sessions -------------------------------------------------------------


def may_stay_signed_in(user: User) -> bool:
    """Only teachers may keep a browser signed in; staff always get the short
    lifetime (they can see other people's work)."""
    return user.role is Role.TEACHER


def start_session(
    session: DbSession,
    user: User,
    *,
    ip: str | None,
    user_agent: str | None,
    remember: bool = False,
) -> tuple[str, bool]:
    """Record a new signed-in browser; return the token for its cookie and whether
    the session is a lasting one (``remember`` asked, and allowed for ``user``)."""
    token = secrets.token_urlsafe(32)
    persistent = remember and may_stay_signed_in(user)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            ip_address=(ip or "")[:45] or None,
            user_agent=(user_agent or "")[:255] or None,
            persistent=persistent,
        )
    )
    session.flush()
    return token, persistent


class SessionLimits(NamedTuple):
    idle: timedelta
    lifetime: timedelta


def session_limits(record: UserSession) -> SessionLimits:
    """How long ``record`` may stay unused, and may last at all (from the config:
    PDHUB_SESSION_IDLE_MINUTES and PDHUB_SESSION_MAX_HOURS; a teacher's "keep me
    signed in" session PDHUB_SESSION_REMEMBER_DAYS for both)."""
    config = current_app.config
    if record.persistent and may_stay_signed_in(record.user):
        days = timedelta(days=config["PDHUB_SESSION_REMEMBER_DAYS"])
        return SessionLimits(idle=days, lifetime=days)
    return SessionLimits(
        idle=timedelta(minutes=config["PDHUB_SESSION_IDLE_MINUTES"]),
        lifetime=timedelta(hours=config["PDHUB_SESSION_MAX_HOURS"]),
    )


def session_is_live(record: UserSession, now: datetime | None = None) -> bool:
    """Not revoked, used within the idle timeout, and younger than its lifetime."""
    now = now or utcnow()
    limits = session_limits(record)
    return (
        record.revoked_at is None
        and now - record.last_seen_at <= limits.idle
        and now - record.created_at <= limits.lifetime
    )


def user_for_session(
    session: DbSession, user_id: int, token: str | None
) -> User | None:
    """The user of a live session (see session_is_live), or None: the cookie is not
    enough, and an old one stops working on the server whatever the browser keeps."""
    if not token:
        return None
    record = session.scalar(
        select(UserSession).where(
            UserSession.token_hash == token_hash(token),
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
        )
    )
    now = utcnow()
    if record is None or not session_is_live(record, now):
        return None
    # Written at most every few minutes (not every request), but often enough for
    # the idle timeout to count from the latest one.
    touch = min(SESSION_TOUCH_INTERVAL, session_limits(record).idle / 4)
    if now - record.last_seen_at > touch:
        record.last_seen_at = now
    return record.user


def live_sessions(session: DbSession, user: User) -> list[UserSession]:
    """``user``'s signed-in browsers that have not ended, most recently used first."""
    records = session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    now = utcnow()
    return [record for record in records if session_is_live(record, now)]


def end_session(session: DbSession, token: str | None) -> None:
    """Revoke one browser's session (sign out)."""
    if token:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(token))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(
    session: DbSession, user: User, *, keep_token: str | None = None
) -> int:
    """Revoke every session of ``user`` (but ``keep_token``'s); return how many."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_token:
        query = query.where(UserSession.token_hash != token_hash(keep_token))
    result = session.execute(query.values(revoked_at=utcnow()))
    return cast(CursorResult[Any], result).rowcount or 0


# --- passwords ------------------------------------------------------------------------


def change_password(
    session: DbSession, user: User, *, current: str, new: str, keep_token: str | None
) -> None:
    """Change the password after checking the current one; every other session ends."""
    if not passwords.check_password(user.password_hash, current):
        raise InvalidInput(
            _("That is not your current password."), field="current_password"
        )
    set_password(session, user, new)
    end_all_sessions(session, user, keep_token=keep_token)


def set_password(session: DbSession, user: User, new: str) -> None:
    problem = passwords.password_problem(new, user_inputs=(user.email, user.name))
    if problem:
        raise InvalidInput(problem, field="password")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    user.password_version = (user.password_version or 1) + 1
    session.flush()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="pdhub.password-reset"
    )


def make_reset_token(user: User) -> str:
    """A signed, expiring reset token; it stops working once the password changes."""
    return _reset_serializer().dumps([user.id, user.password_hash[-16:]])


def send_password_reset(session: DbSession, email: str) -> None:
    """Email a reset link to the active account with this address, if there is one
    (the caller answers the same either way, so accounts can't be discovered)."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return
    token = make_reset_token(user)
    notifications.tell(
        session,
        notifications.Message(
            key=f"password-reset:{token_hash(token)[:64]}",
            to=user,
            subject=_l("Reset your PD Hub password"),
            template="password_reset",
            context={
                "user": user,
                "link": notifications.link_for("accounts.reset_password", token=token),
            },
            secret=True,
        ),
    )


def user_for_reset_token(session: DbSession, token: str) -> User:
    """The user a valid reset token is for; InvalidInput if expired, used or forged."""
    try:
        user_id, fingerprint = _reset_serializer().loads(
            token, max_age=int(RESET_MAX_AGE.total_seconds())
        )
    except SignatureExpired:
        raise InvalidInput(
            _("This reset link has expired. Ask for a new one.")
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise InvalidInput(
            _("This reset link is not valid. Ask for a new one.")
        ) from None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.password_hash[-16:] != fingerprint or not user.active:
        raise InvalidInput(_("This reset link was already used. Ask for a new one."))
    return user


def reset_password(session: DbSession, token: str, new: str) -> User:
    """Set a new password from a reset link; every session of the user ends."""
    user = user_for_reset_token(session, token)
    set_password(session, user, new)
    end_all_sessions(session, user)
    return user


def update_profile(
    session: DbSession, user: User, *, name: str, email: str, confirm: str = ""
) -> str | None:
    """Save the name; a new email address needs ``confirm`` (the password or a code)
    and takes effect only once a link mailed to it is opened. Returns the new address
    waiting for confirmation, or None when the email is unchanged."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_("Enter your name."), field="name")
    if len(name) > 120:
        raise InvalidInput(_("Use at most 120 characters for your name."), field="name")
    address = normalize_email(email)
    pending = None
    if address != user.email:
        require_reauthentication(session, user, confirm)
        _refuse_taken(session, user, address)
        send_verification(session, user, address)
        pending = address
    user.name = name
    session.flush()
    return pending


def _refuse_taken(session: DbSession, user: User, address: str) -> None:
    taken = session.scalar(
        select(User.id).where(User.email == address, User.id != user.id)
    )
    if taken is not None:
        raise InvalidInput(_("Another account uses this email."), field="email")


# --- re-authentication and emailed account links --------------------------------------


def require_reauthentication(session: DbSession, user: User, confirm: str) -> None:
    """A fresh check before a sensitive change: the password, or (with two-factor on)
    a current code from the app or an unused recovery code. InvalidInput otherwise."""
    confirm = confirm or ""
    if confirm and passwords.check_password(user.password_hash, confirm):
        return
    if (
        confirm
        and user.two_factor_enabled
        and verify_second_factor(session, user, confirm)
    ):
        return
    raise InvalidInput(
        _("Enter your current password or a code from your app to confirm it's you.")
        if user.two_factor_enabled
        else _("Enter your current password to confirm it's you."),
        field="confirm",
    )


def _new_token(
    session: DbSession,
    user: User,
    purpose: TokenPurpose,
    lifetime: timedelta,
    *,
    email: str | None = None,
    data: dict[str, Any] | None = None,
) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Dead links of this account are no use to anyone: drop them as new ones come.
    session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.expires_at < now
        )
    )
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            email=email,
            password_version=user.password_version or 1,
            data=data,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def purge_dead_tokens(session: DbSession, now: datetime | None = None) -> int:
    """Delete every account token that has expired (used or not): a dead link is no use
    to anyone, and an account that never asks for a new one would keep its old ones
    (and the addresses pending confirmation in them) for ever. Returns how many."""
    result = cast(
        CursorResult[Any],
        session.execute(
            delete(AccountToken).where(AccountToken.expires_at < (now or utcnow()))
        ),
    )
    return result.rowcount


def _live_token(
    session: DbSession, purpose: TokenPurpose, token: str | None
) -> AccountToken | None:
    """The unused, unexpired token of ``purpose``, or None."""
    if not token:
        return None
    record = session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
    )
    if record is None or record.expires_at <= utcnow() or not record.user.active:
        return None
    return record


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=int(current_app.config[name]))


# Half-finished sign-in: the password was right, the second factor is still due.


def start_pending_signin(session: DbSession, user: User) -> str:
    """Record "password checked" server-side; the browser only gets a random token
    that expires in PDHUB_SIGNIN_CODE_MINUTES and dies with a password change."""
    return _new_token(
        session, user, TokenPurpose.SIGNIN, _minutes("PDHUB_SIGNIN_CODE_MINUTES")
    )


def pending_signin(session: DbSession, token: str | None) -> AccountToken | None:
    record = _live_token(session, TokenPurpose.SIGNIN, token)
    if record is None or record.password_version != record.user.password_version:
        return None
    return record


def finish_pending_signin(record: AccountToken) -> None:
    record.used_at = utcnow()


# Email verification.


def send_verification(
    session: DbSession, user: User, address: str | None = None
) -> None:
    """Mail a single-use link to ``address`` (the account's own when None) that
    confirms it; for a new address, opening it makes the change."""
    address = address or user.email
    token = _new_token(
        session,
        user,
        TokenPurpose.VERIFY_EMAIL,
        timedelta(hours=int(current_app.config["PDHUB_VERIFY_EMAIL_HOURS"])),
        email=address,
    )
    notifications.tell(
        session,
        notifications.Message(
            key=f"verify-email:{token_hash(token)[:64]}",
            to=address,
            subject=_l("Confirm your email address for PD Hub"),
            template="verify_email",
            context={
                "user": user,
                "change": address != user.email,
                "link": notifications.link_for("accounts.confirm_email", token=token),
                "hours": current_app.config["PDHUB_VERIFY_EMAIL_HOURS"],
            },
            secret=True,
        ),
    )


def confirm_email(session: DbSession, token: str) -> tuple[User, str | None]:
    """Open a verification link: the address is confirmed (and, for a change, becomes
    the account's email; the old address is told, with an undo link). Returns the
    user and the old address when it changed. InvalidInput for a dead link."""
    record = _live_token(session, TokenPurpose.VERIFY_EMAIL, token)
    if record is None or record.email is None:
        raise InvalidInput(
            _("This link has expired or was already used. Sign in to get a new one.")
        )
    user = record.user
    now = utcnow()
    old: str | None = None
    if record.email != user.email:
        _refuse_taken(session, user, record.email)
        old = user.email
        user.email = record.email
    user.email_verified_at = now
    for other in session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.VERIFY_EMAIL,
            AccountToken.used_at.is_(None),
        )
    ):
        other.used_at = now
    session.flush()
    if old is not None:
        tell_old_address(
            session,
            user,
            old,
            _(
                "The email address of your PD Hub account changed to %(email)s.",
                email=user.email,
            ),
            {"kind": "email", "old_email": old},
        )
    return user, old


# Telling the old address about a sensitive change, with a way to undo it.


def tell_old_address(
    session: DbSession, user: User, to: str, what: str, undo: dict[str, Any]
) -> None:
    token = _new_token(
        session,
        user,
        TokenPurpose.UNDO,
        timedelta(days=int(current_app.config["PDHUB_UNDO_DAYS"])),
        data=undo,
    )
    notifications.tell(
        session,
        notifications.Message(
            key=f"account-changed:{token_hash(token)[:64]}",
            to=to,
            subject=_l("A change to your PD Hub account"),
            template="account_changed",
            context={
                "user": user,
                "what": what,
                "link": notifications.link_for("accounts.undo_change", token=token),
                "days": current_app.config["PDHUB_UNDO_DAYS"],
            },
            secret=True,
        ),
    )


def _codes_snapshot(session: DbSession, user: User) -> list[list[str | None]]:
    return [
        [code.code_hash, code.used_at.isoformat() if code.used_at else None]
        for code in session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == user.id)
        )
    ]


def _restore_codes(
    session: DbSession, user: User, rows: list[list[str | None]]
) -> None:
    session.query(RecoveryCode).filter_by(user_id=user.id).delete()
    session.add_all(
        RecoveryCode(
            user_id=user.id,
            code_hash=code_hash,
            used_at=datetime.fromisoformat(used) if used else None,
        )
        for code_hash, used in rows
        if code_hash
    )


def undo_token(session: DbSession, token: str) -> AccountToken:
    record = _live_token(session, TokenPurpose.UNDO, token)
    if record is None or not record.data:
        raise InvalidInput(
            _(
                "This undo link has expired or was already used. "
                "If something is wrong, reset your password."
            )
        )
    return record


def undo_change(session: DbSession, token: str) -> User:
    """Put back what the change replaced, once, and sign the account out everywhere
    (whoever made the change loses their session)."""
    record = undo_token(session, token)
    user, data = record.user, dict(record.data or {})
    kind = data.get("kind")
    if kind == "email":
        old = str(data["old_email"])
        _refuse_taken(session, user, old)
        user.email = old
        user.email_verified_at = utcnow()
    elif kind == "two_factor_off":
        user.totp_secret = base64.b64decode(str(data["secret"]))
        user.totp_enabled_at = datetime.fromisoformat(str(data["enabled_at"]))
        user.totp_last_counter = data.get("last_counter")
        _restore_codes(session, user, data["codes"])
    elif kind == "recovery_codes":
        _restore_codes(session, user, data["codes"])
    else:  # pragma: no cover - only the kinds above are ever written
        raise InvalidInput(_("This undo link is not valid."))
    record.used_at = utcnow()
    end_all_sessions(session, user)
    session.flush()
    return user


def set_time_zone(session: DbSession, user: User, name: str | None) -> None:
    """``user``'s own time zone for every page and email; an empty choice follows
    their district's default. Raises InvalidInput for a name not in the list."""
    user.time_zone = timezones.clean_zone_name(name)
    session.flush()


def set_review_digest_email(session: DbSession, user: User, wanted: bool) -> None:
    """A coach's choice of the daily email of new evidence (only coaches get it)."""
    if user.role is not Role.COACH:
        raise PermissionDenied(_("Only coaches get the daily review summary."))
    user.review_digest_email = wanted
    session.flush()


# --- two-factor -----------------------------------------------------------------------


def begin_totp_setup(session: DbSession, user: User) -> str:
    """Give ``user`` a new (not yet enabled) TOTP secret and return it."""
    if user.two_factor_enabled:
        raise InvalidInput(_("Two-factor sign-in is already on."))
    secret = pyotp.random_base32()
    user.totp_secret = encryption.encrypt(secret.encode())
    session.flush()
    return secret


def totp_secret(user: User) -> str | None:
    if user.totp_secret is None:
        return None
    return encryption.decrypt(user.totp_secret).decode()


def totp_uri(user: User) -> str:
    secret = totp_secret(user)
    if secret is None:
        raise InvalidInput(_("Start the two-factor set-up first."))
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="PD Hub")


def _accept_totp_code(user: User, code: str) -> bool:
    """Check a 6-digit code (±1 step of clock drift) and refuse one already used."""
    secret = totp_secret(user)
    code = "".join(code.split())
    if secret is None or not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(secret)
    for drift in (0, -1, 1):
        counter = totp.timecode(utcnow()) + drift
        if secrets.compare_digest(totp.generate_otp(counter), code):
            if user.totp_last_counter is not None and counter <= user.totp_last_counter:
                return False
            user.totp_last_counter = counter
            return True
    return False


def confirm_totp(session: DbSession, user: User, code: str) -> list[str]:
    """Turn two-factor on once the user proves a code works; return recovery codes."""
    if user.two_factor_enabled:
        raise InvalidInput(_("Two-factor sign-in is already on."))
    if not _accept_totp_code(user, code):
        raise InvalidInput(
            _(
                "That code didn't match. "
                "Check your phone's clock and enter the newest code."
            ),
            field="code",
        )
    user.totp_enabled_at = utcnow()
    audit.record(session, AuditAction.TWO_FACTOR_ON, actor=user, subject=user)
    return regenerate_recovery_codes(session, user)


def replace_recovery_codes(session: DbSession, user: User, confirm: str) -> list[str]:
    """New recovery codes after a fresh check; the email address is told, with a
    link that puts the old codes back."""
    if not user.two_factor_enabled:
        raise InvalidInput(_("Turn two-factor sign-in on first."))
    require_reauthentication(session, user, confirm)
    old = _codes_snapshot(session, user)
    codes = regenerate_recovery_codes(session, user)
    tell_old_address(
        session,
        user,
        user.email,
        _(
            "New two-factor recovery codes were made for your PD Hub account; "
            "the old ones stopped working."
        ),
        {"kind": "recovery_codes", "codes": old},
    )
    audit.record(session, AuditAction.RECOVERY_CODES, actor=user, subject=user)
    return codes


def _recovery_normalized(code: str) -> str:
    # People copy codes with or without the dashes, in either case, with spaces.
    return "".join(code.split()).replace("-", "").lower()


def regenerate_recovery_codes(session: DbSession, user: User) -> list[str]:
    """Replace ``user``'s recovery codes with new ones and return them (shown once).

    Each code is 80 random bits (16 base32 letters and digits, in groups of four),
    stored as an argon2id hash with its own salt.
    """
    session.query(RecoveryCode).filter_by(user_id=user.id).delete()
    codes = []
    for _number in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode()
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)).lower())
    session.add_all(
        RecoveryCode(
            user_id=user.id,
            code_hash=passwords.hash_recovery_code(_recovery_normalized(code)),
        )
        for code in codes
    )
    session.flush()
    return codes


def _recovery_code_matches(record: RecoveryCode, code: str) -> bool:
    if record.code_hash.startswith("$argon2"):
        return passwords.check_recovery_code(
            record.code_hash, _recovery_normalized(code)
        )
    # A code made before argon2id (48 bits, "abc123-def456", stored as SHA-256):
    # it keeps working until used or replaced.
    legacy = "".join(code.split()).lower()
    return secrets.compare_digest(record.code_hash, token_hash(legacy))


def verify_second_factor(session: DbSession, user: User, code: str) -> bool:
    """Accept a current TOTP code or an unused recovery code (which is then spent)."""
    if _accept_totp_code(user, code):
        session.flush()
        return True
    if len(_recovery_normalized(code)) < 12:  # a mistyped TOTP code, not a recovery one
        return False
    unused = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    recovery = next((r for r in unused if _recovery_code_matches(r, code)), None)
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    session.flush()
    return True


def disable_totp(session: DbSession, user: User, confirm: str) -> None:
    """Turn two-factor off after a fresh check; staff roles must keep it on. The
    email address is told, with a link that turns it back on."""
    if user.is_staff:
        raise PermissionDenied(_("Staff accounts must keep two-factor sign-in on."))
    if not user.two_factor_enabled:
        return
    require_reauthentication(session, user, confirm)
    assert user.totp_secret is not None and user.totp_enabled_at is not None
    tell_old_address(
        session,
        user,
        user.email,
        _("Two-factor sign-in was turned off for your PD Hub account."),
        {
            "kind": "two_factor_off",
            "secret": base64.b64encode(user.totp_secret).decode(),
            "enabled_at": user.totp_enabled_at.isoformat(),
            "last_counter": user.totp_last_counter,
            "codes": _codes_snapshot(session, user),
        },
    )
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    session.query(RecoveryCode).filter_by(user_id=user.id).delete()
    audit.record(session, AuditAction.TWO_FACTOR_OFF, actor=user, subject=user)
    session.flush()


# --- API tokens -----------------------------------------------------------------------


def create_api_token(
    session: DbSession,
    user: User,
    name: str,
    scopes: Iterable[str] | None = None,
    lifetime_days: int | None = None,
) -> str:
    """Create a named API token for ``user`` and return it (shown once). It may do
    what ``scopes`` name (every scope when none are given) until ``lifetime_days``
    have passed (until revoked when None). Raises InvalidInput."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise InvalidInput(
            _("Give the token a name of 1 to 80 characters."), field="name"
        )
    chosen = list(SCOPES) if scopes is None else [s for s in SCOPES if s in scopes]
    if not chosen or (scopes is not None and set(scopes) - set(SCOPES)):
        raise InvalidInput(
            _("Choose at least one thing the token may do."), field="scopes"
        )
    if lifetime_days is not None and not 1 <= lifetime_days <= 3660:
        raise InvalidInput(_("Choose how long the token lasts."), field="lifetime")
    token = "pdh_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=token_hash(token),
            scopes=" ".join(chosen),
            expires_at=(
                utcnow() + timedelta(days=lifetime_days) if lifetime_days else None
            ),
        )
    )
    session.flush()
    return token


def user_for_api_token(session: DbSession, token: str) -> User | None:
    record = api_token_for(session, token)
    return record.user if record is not None else None


def find_api_token(session: DbSession, token: str) -> ApiToken | None:
    """The token record if it is not revoked and its user is active, expired or
    not (the API tells an expired token from an unknown one)."""
    record = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    if record is None or not record.user.active:
        return None
    return record


def is_expired(record: ApiToken) -> bool:
    return record.expires_at is not None and record.expires_at <= utcnow()


def api_token_for(session: DbSession, token: str) -> ApiToken | None:
    """The live token record (not revoked nor expired, its user active), marked
    used; None otherwise."""
    record = find_api_token(session, token)
    if record is None or is_expired(record):
        return None
    record.last_used_at = utcnow()
    if audit.recorded_in_this_transaction(
        session, AuditAction.API_TOKEN_USE, record.id
    ):
        return record
    audit.record(
        session,
        AuditAction.API_TOKEN_USE,
        actor=record.user,
        object_type="api_token",
        object_id=record.id,
        detail={"name": record.name},
    )
    return record


def revoke_api_token(session: DbSession, user: User, token_id: int) -> None:
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        # Someone else's token is "not found": its existence is not theirs to learn.
        raise NotFound(_("There is no such token on your account."))
    record.revoked_at = utcnow()
    session.flush()


def set_role(session: DbSession, actor: User, user: User, role: Role) -> None:
    """Change ``user``'s role as ``actor`` allows (see policies.can_assign_role)."""
    if not policies.can_assign_role(actor, user, role):
        raise PermissionDenied(_("You can't give that role to this person."))
    if user.role is not role:
        audit.record(
            session,
            AuditAction.ROLE_CHANGE,
            actor=actor,
            subject=user,
            object_type="user",
            object_id=user.id,
            detail={"from": user.role.value, "to": role.value},
        )
        user.role = role
        # A new staff role must set up two-factor before its pages open; sessions
        # restart so the new permissions take effect everywhere.
        end_all_sessions(session, user)
    session.flush()


def move_to_district(
    session: DbSession, actor: User, user: User, district: District | None
) -> None:
    """Put ``user`` in ``district`` (or none), clearing a school of the old district.
    Only platform administrators move people between districts."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(
            _("Only platform administrators move people between districts.")
        )
    new_id = district.id if district is not None else None
    if new_id != user.district_id:
        user.district_id = new_id
        user.school_id = None
        session.flush()
