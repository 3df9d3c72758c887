"""Signing a browser in and out, loading the user from a server-side session, and the
decorators that guard pages by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from pdhub.accounts import policies, service
from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction, AuditOutcome
from pdhub.errors import DomainError
from pdhub.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])
SESSION_TOKEN_KEY = "sid"  # noqa: S105 - the session key's name, not a secret
PENDING_2FA_KEY = "pending_2fa_user"
PENDING_REMEMBER_KEY = "pending_remember"
# Set in a browser session signed in through the district's identity provider (its
# preset's name): the provider did the strong sign-in, so staff pages don't ask for
# our two-factor codes.
SINGLE_SIGN_ON_KEY = "single_sign_on"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.signin"
    # Flask-Login flashes the message in the reader's language: str() of the lazy
    # string at flash time (a lazy string itself can't be stored in the session).
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    # Flask-Login's own "session protection" compares a hash of the address; ours is
    # stronger (a revocable server-side record), so keep theirs out of the way.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        return service.user_for_session(
            db.session, int(user_id), session.get(SESSION_TOKEN_KEY)
        )

    @login_manager.request_loader
    def load_api_user(req: Any) -> User | None:
        header = req.headers.get("Authorization", "")
        if req.path.startswith("/api/") and header.startswith("Bearer "):
            return service.user_for_api_token(
                db.session, header.removeprefix("Bearer ")
            )
        return None


def sign_in(
    user: User, *, remember: bool = False, single_sign_on: str | None = None
) -> None:
    """Start a fresh server-side session for ``user`` in this browser; ``remember``
    ("keep me signed in") gives a teacher a lasting one and a cookie that outlives
    the browser window. ``single_sign_on`` names the district's identity provider
    that signed them in (pdhub.sso), if one did."""
    session.clear()  # no session fixation: nothing from before sign-in survives
    token, persistent = service.start_session(
        db.session,
        user,
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        remember=remember,
    )
    session[SESSION_TOKEN_KEY] = token
    session.permanent = persistent
    if single_sign_on:
        session[SINGLE_SIGN_ON_KEY] = single_sign_on
    login_user(user)
    audit.record(
        db.session,
        AuditAction.SIGNIN_SUCCESS,
        actor=user,
        subject=user,
        detail={"method": "sso", "provider": single_sign_on}
        if single_sign_on
        else None,
    )


def signed_in_with_sso() -> bool:
    """Whether this browser signed in through a district's identity provider."""
    return bool(session.get(SINGLE_SIGN_ON_KEY))


def record_failed_signin(email: str | None, user: User | None, step: str) -> None:
    """Record a refused password or code. Called after the refusal's rollback, so
    the event is saved by the request's closing commit. The typed address is not
    kept (it may be someone's password typed in the wrong box); a known account
    is named by its id."""
    if user is None and email:
        try:
            user = service.find_user_by_email(db.session, email)
        except DomainError:
            user = None
    audit.record(
        db.session,
        AuditAction.SIGNIN_FAILURE,
        subject=user,
        outcome=AuditOutcome.DENIED,
        detail={"step": step, "known_account": user is not None},
    )


def sign_out() -> None:
    service.end_session(db.session, session.get(SESSION_TOKEN_KEY))
    logout_user()
    session.clear()


def current_session_token() -> str | None:
    return session.get(SESSION_TOKEN_KEY)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in users with one of ``roles`` (staff must have two-factor on)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            if current_user.is_staff and not policies.can_use_staff_pages(
                current_user, single_sign_on=signed_in_with_sso()
            ):
                flash(_("Set up two-factor sign-in to open staff pages."), "info")
                return redirect(url_for("accounts.two_factor", next=request.path))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


staff_required = roles_required(Role.COACH, Role.DISTRICT_ADMIN, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)
