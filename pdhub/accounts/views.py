"""Account pages: sign-up, sign-in with two-factor, sign-out, password reset, profile,
two-factor set-up, sessions, API tokens and invitation acceptance."""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pdhub.accounts import auth, forms, service
from pdhub.accounts.models import ApiToken, Role
from pdhub.districts import service as districts
from pdhub.errors import DomainError, InvalidInput
from pdhub.extensions import db, limiter
from pdhub.forms import show_error
from pdhub.notifications.service import queue_email
from pdhub.routing import safe_next

bp = Blueprint("accounts", __name__)


def _safe_next(default: str) -> str:
    """The ``next`` page to go to after this step, if it is on this site."""
    return safe_next(request.args.get("next"), default)


def _failed(response: Any) -> bool:
    return response.status_code != 303


def _account_key() -> str:
    email = request.form.get("email", "") or str(session.get(auth.PENDING_2FA_KEY, ""))
    return "account:" + email.strip().lower()[:254]


def _address_limit() -> str:
    return str(current_app.config["PDHUB_SIGNIN_LIMIT_ADDRESS"])


def _account_limit() -> str:
    return str(current_app.config["PDHUB_SIGNIN_LIMIT_ACCOUNT"])


signin_limits = [
    limiter.limit(
        _address_limit, methods=["POST"], deduct_when=_failed, scope="signin-address"
    ),
    limiter.limit(
        _account_limit,
        methods=["POST"],
        deduct_when=_failed,
        key_func=_account_key,
        scope="signin-account",
    ),
]


def _with_signin_limits(view: Any) -> Any:
    for decorate in signin_limits:
        view = decorate(view)
    return view


def _signup_limit() -> str:
    return str(current_app.config["PDHUB_SIGNUP_LIMIT"])


def _site_url(endpoint: str) -> str:
    # Links in emails start from the configured origin, never the request's Host.
    return str(current_app.config["PDHUB_BASE_URL"]) + url_for(endpoint)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"], scope="signup")
def signup() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = forms.SignUpForm()
    if form.validate_on_submit():
        try:
            district = None
            if form.join_code.data:
                district = districts.district_for_join_code(
                    db.session, form.join_code.data
                )
            outcome = service.sign_up(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                district=district,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            if outcome.user is not None:
                queue_email(
                    db.session,
                    outcome.user.email,
                    "Welcome to PD Hub",
                    "signup_welcome",
                    user=outcome.user,
                    link=_site_url("accounts.signin"),
                )
            elif outcome.existing is not None:
                queue_email(
                    db.session,
                    outcome.existing.email,
                    "Someone tried to create a PD Hub account with your email",
                    "signup_existing",
                    user=outcome.existing,
                    signin_link=_site_url("accounts.signin"),
                    reset_link=_site_url("accounts.forgot_password"),
                )
            db.session.commit()
            # The same answer whether or not the address has an account (no
            # enumeration): the email says which.
            flash(
                "Check your email: we sent a message to "
                f"{service.normalize_email(form.email.data)} about your account. "
                "Then sign in here.",
                "info",
            )
            return redirect(url_for("accounts.signin"), 303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/signin", methods=["GET", "POST"])
@_with_signin_limits
def signin() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = forms.SignInForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.form_errors.append(
                "That email and password don't match an account. Check them, or reset "
                "your password."
            )
        elif user.two_factor_enabled:
            session.clear()
            session[auth.PENDING_2FA_KEY] = user.email
            session[auth.PENDING_REMEMBER_KEY] = bool(form.remember.data)
            db.session.commit()
            return redirect(url_for("accounts.signin_code", next=_safe_next("")), 303)
        else:
            auth.sign_in(user, remember=bool(form.remember.data))
            db.session.commit()
            return redirect(_safe_next(url_for("home.dashboard")), 303)
    status = 401 if request.method == "POST" else 200
    return render_template("accounts/signin.html", form=form), status


@bp.route("/signin/code", methods=["GET", "POST"])
@_with_signin_limits
def signin_code() -> Any:
    email = session.get(auth.PENDING_2FA_KEY)
    user = service.find_user_by_email(db.session, email) if email else None
    if user is None or not user.two_factor_enabled:
        return redirect(url_for("accounts.signin"))
    form = forms.CodeForm()
    if form.validate_on_submit():
        if service.verify_second_factor(db.session, user, form.code.data):
            auth.sign_in(user, remember=bool(session.get(auth.PENDING_REMEMBER_KEY)))
            db.session.commit()
            return redirect(_safe_next(url_for("home.dashboard")), 303)
        db.session.commit()  # keep the used-counter / spent recovery code state
        form.code.errors = [
            "That code didn't work. Enter the newest code from your app."
        ]
    status = 401 if request.method == "POST" else 200
    return render_template("accounts/signin_code.html", form=form), status


@bp.post("/signout")
def signout() -> Any:
    form = forms.ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        auth.sign_out()
        db.session.commit()
        flash("You're signed out.", "info")
    return redirect(url_for("home.index"), 303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> Any:
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        user = service.find_user_by_email(db.session, form.email.data)
        if user is not None and user.active:
            queue_email(
                db.session,
                user.email,
                "Reset your PD Hub password",
                "password_reset",
                user=user,
                link=url_for(
                    "accounts.reset_password",
                    token=service.make_reset_token(user),
                    _external=True,
                ),
            )
            db.session.commit()
        # The same answer whether or not the account exists (no enumeration).
        flash(
            "If that email has an account, a reset link is on its way. "
            "It works for 2 hours.",
            "info",
        )
        return redirect(url_for("accounts.signin"), 303)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    try:
        service.user_for_reset_token(db.session, token)
    except InvalidInput as error:
        return render_template(
            "accounts/reset_invalid.html", message=error.message
        ), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            service.reset_password(db.session, token, form.password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            if current_user.is_authenticated:
                auth.sign_out()
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("accounts.signin"), 303)
    return render_template("accounts/reset_password.html", form=form), (
        422 if form.errors else 200
    )


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    form = forms.ProfileForm(obj=current_user)
    password_form = forms.ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            service.update_profile(
                db.session, current_user, name=form.name.data, email=form.email.data
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("accounts.profile"), 303)
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=password_form,
        preferences_form=forms.EmailPreferencesForm(obj=current_user),
    ), (422 if form.errors else 200)


@bp.post("/account/email-preferences")
@login_required
def email_preferences() -> Any:
    form = forms.EmailPreferencesForm()
    if form.validate_on_submit():
        service.set_review_digest_email(
            db.session, current_user, bool(form.review_digest_email.data)
        )
        db.session.commit()
        flash("Your email choices are saved.", "success")
    return redirect(url_for("accounts.profile"), 303)


@bp.post("/account/password")
@login_required
def change_password() -> Any:
    form = forms.ProfileForm(obj=current_user)
    password_form = forms.ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            service.change_password(
                db.session,
                current_user,
                current=password_form.current_password.data,
                new=password_form.password.data,
                keep_token=auth.current_session_token(),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(password_form, error)
        else:
            flash(
                "Your password is changed. Your other browsers were signed out.",
                "success",
            )
            return redirect(url_for("accounts.profile"), 303)
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=password_form,
        preferences_form=forms.EmailPreferencesForm(obj=current_user),
    ), 422


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor() -> Any:
    form = forms.CodeForm()
    user = current_user._get_current_object()
    recovery_codes: list[str] | None = None
    if not user.two_factor_enabled:
        if user.totp_secret is None:
            service.begin_totp_setup(db.session, user)
            db.session.commit()
        if form.validate_on_submit():
            try:
                recovery_codes = service.confirm_totp(db.session, user, form.code.data)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
    qr_svg = secret = None
    if not user.two_factor_enabled:
        uri = service.totp_uri(user)
        secret = service.totp_secret(user)
        qr_svg = segno.make(uri, error="m").svg_inline(
            scale=4, title="QR code for your authenticator app"
        )
    return render_template(
        "accounts/two_factor.html",
        form=form,
        qr_svg=qr_svg,
        secret=secret,
        recovery_codes=recovery_codes,
        next_url=_safe_next(url_for("home.dashboard")),
        disable_form=forms.ConfirmForm(prefix="off"),
    ), (422 if form.errors else 200)


@bp.post("/account/two-factor/recovery-codes")
@login_required
def new_recovery_codes() -> Any:
    form = forms.ConfirmForm(prefix="off")
    if not (form.validate_on_submit() and current_user.two_factor_enabled):
        return redirect(url_for("accounts.two_factor"), 303)
    codes = service.regenerate_recovery_codes(db.session, current_user)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", recovery_codes=codes)


@bp.post("/account/two-factor/off")
@login_required
def disable_two_factor() -> Any:
    form = forms.ConfirmForm(prefix="off")
    if form.validate_on_submit():
        service.disable_totp(db.session, current_user)
        db.session.commit()
        flash("Two-factor sign-in is off.", "info")
    return redirect(url_for("accounts.two_factor"), 303)


@bp.route("/account/sessions", methods=["GET", "POST"])
@login_required
def sessions() -> Any:
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        ended = service.end_all_sessions(
            db.session, current_user, keep_token=auth.current_session_token()
        )
        db.session.commit()
        flash(
            f"Signed out of {ended} other browser{'s' if ended != 1 else ''}.", "info"
        )
        return redirect(url_for("accounts.sessions"), 303)
    records = service.live_sessions(db.session, current_user)
    current_hash = service.token_hash(auth.current_session_token() or "")
    return render_template(
        "accounts/sessions.html", records=records, form=form, current_hash=current_hash
    )


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@auth.roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def api_tokens() -> Any:
    form = forms.ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = service.create_api_token(
                db.session, current_user, form.name.data
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == current_user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "accounts/api_tokens.html",
        form=form,
        tokens=tokens,
        new_token=new_token,
        revoke_form=forms.ConfirmForm(prefix="r"),
    )


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@auth.roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def revoke_api_token(token_id: int) -> Any:
    form = forms.ConfirmForm(prefix="r")
    if form.validate_on_submit():
        service.revoke_api_token(db.session, current_user, token_id)
        db.session.commit()
        flash("The token is revoked; anything using it stops working now.", "info")
    return redirect(url_for("accounts.api_tokens"), 303)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    invitation = districts.invitation_for_token(db.session, token)
    form = forms.AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = districts.accept_invitation(
                db.session, token, name=form.name.data, password=form.password.data
            )
            if current_user.is_authenticated:
                auth.sign_out()
            auth.sign_in(user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(f"Welcome to {invitation.district.name} on PD Hub!", "success")
            if user.is_staff:
                return redirect(url_for("accounts.two_factor"), 303)
            return redirect(url_for("home.dashboard"), 303)
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation
    ), (422 if form.errors else 200)
