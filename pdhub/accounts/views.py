"""Account pages: sign-up, sign-in with two-factor, sign-out, password reset, profile,
time zone, two-factor set-up, sessions, API tokens and invitation acceptance."""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from pdhub.accounts import auth, forms, service, timezones
from pdhub.accounts.models import ApiToken, Role
from pdhub.accounts.scopes import LIFETIMES, SCOPES
from pdhub.communities import digest
from pdhub.communities.forms import DigestForm
from pdhub.db import utcnow
from pdhub.districts import service as districts
from pdhub.errors import DomainError, InvalidInput
from pdhub.extensions import db, limiter
from pdhub.forms import saving, show_error
from pdhub.routing import safe_next
from pdhub.sso import service as sso

bp = Blueprint("accounts", __name__)


def _safe_next(default: str) -> str:
    """The ``next`` page to go to after this step, if it is on this site."""
    return safe_next(request.args.get("next"), default)


def _failed(response: Response) -> bool:
    return response.status_code != 303


def _account_key() -> str:
    """The password step counts failures per account: the canonical address, so
    Unicode look-alikes and letter case share one counter."""
    return "account:" + service.email_key(request.form.get("email", ""))


def _pending_account_key() -> str:
    """The code step counts failures on the account whose password was checked (the
    server-side record), never on anything the form sends."""
    record = service.pending_signin(db.session, session.get(auth.PENDING_2FA_KEY))
    return "account:" + (record.user.email if record is not None else "-")


def _address_limit() -> str:
    return str(current_app.config["PDHUB_SIGNIN_LIMIT_ADDRESS"])


def _account_limit() -> str:
    return str(current_app.config["PDHUB_SIGNIN_LIMIT_ACCOUNT"])


def _signin_limits(account_key: Any) -> list[Any]:
    return [
        limiter.limit(
            _address_limit,
            methods=["POST"],
            deduct_when=_failed,
            scope="signin-address",
        ),
        # One counter per account for both steps (password, then code).
        limiter.shared_limit(
            _account_limit,
            "signin-account",
            methods=["POST"],
            deduct_when=_failed,
            key_func=account_key,
        ),
    ]


def _with_signin_limits(view: Any) -> Any:
    for decorate in _signin_limits(_account_key):
        view = decorate(view)
    return view


def _with_code_limits(view: Any) -> Any:
    for decorate in _signin_limits(_pending_account_key):
        view = decorate(view)
    return view


def _reauth_key() -> str:
    return f"reauth:{current_user.get_id() or '-'}"


def _reauth_failed(response: Any) -> bool:
    return bool(g.get("reauth_failed"))


def _refused(error: DomainError) -> None:
    """Note a failed password-or-code check, so the re-authentication throttle
    counts it (a stolen session can't guess the password)."""
    if error.field == "confirm":
        g.reauth_failed = True


# A stolen session guessing the password through a re-authentication form is paused
# like a sign-in: one counter per account across every sensitive form.
reauth_limit = limiter.shared_limit(
    _account_limit,
    "reauth",
    methods=["POST"],
    key_func=_reauth_key,
    deduct_when=_reauth_failed,
)


def _resend_key() -> str:
    return f"verify-email:{current_user.get_id() or '-'}"


def _resend_limit() -> str:
    return str(current_app.config["PDHUB_VERIFY_RESEND_LIMIT"])


def _signup_limit() -> str:
    return str(current_app.config["PDHUB_SIGNUP_LIMIT"])


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"], scope="signup")
def signup() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = forms.SignUpForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            district = None
            if form.join_code.data:
                district = districts.district_for_join_code(
                    db.session, form.join_code.data
                )
            # Emails a welcome, or the existing account's owner.
            service.sign_up(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                district=district,
            )
        if saved.ok:
            # The same answer whether or not the address has an account (no
            # enumeration): the email says which.
            flash(
                _(
                    "Check your email: we sent a message to %(email)s about your "
                    "account. Then sign in here.",
                    email=service.normalize_email(form.email.data),
                ),
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
    sso_required = False
    if form.validate_on_submit():
        with saving(form) as saved:
            user = service.authenticate(db.session, form.email.data, form.password.data)
            if user is None:
                raise InvalidInput(
                    _(
                        "That email and password don't match an account. Check "
                        "them, or reset your password."
                    )
                )
            if sso.password_refused(db.session, user) is not None:
                sso_required = True
                raise InvalidInput(
                    _(
                        "Your district signs staff in with their school account, "
                        "not a password here. Use “Sign in with your school "
                        "account” below."
                    )
                )
            if user.two_factor_enabled:
                session.clear()
                session[auth.PENDING_2FA_KEY] = service.start_pending_signin(
                    db.session, user
                )
                session[auth.PENDING_REMEMBER_KEY] = bool(form.remember.data)
            else:
                auth.sign_in(user, remember=bool(form.remember.data))
        if not saved.ok:
            auth.record_failed_signin(form.email.data, None, "password")
        if saved.ok and user is not None and user.two_factor_enabled:
            return redirect(url_for("accounts.signin_code", next=_safe_next("")), 303)
        if saved.ok:
            return redirect(_safe_next(url_for("home.dashboard")), 303)
    status = 401 if request.method == "POST" else 200
    return render_template(
        "accounts/signin.html", form=form, sso_required=sso_required
    ), status


@bp.route("/signin/code", methods=["GET", "POST"])
@_with_code_limits
def signin_code() -> Any:
    record = service.pending_signin(db.session, session.get(auth.PENDING_2FA_KEY))
    user = record.user if record is not None else None
    if record is None or user is None or not user.two_factor_enabled:
        if session.pop(auth.PENDING_2FA_KEY, None) is not None:
            flash(_("That sign-in timed out. Enter your email and password again."))
        return redirect(url_for("accounts.signin"), 303)
    form = forms.CodeForm()
    if form.validate_on_submit():
        if service.verify_second_factor(db.session, user, form.code.data):
            service.finish_pending_signin(record)
            auth.sign_in(user, remember=bool(session.get(auth.PENDING_REMEMBER_KEY)))
            db.session.commit()
            return redirect(_safe_next(url_for("home.dashboard")), 303)
        auth.record_failed_signin(None, user, "code")
        db.session.commit()  # keep the used-counter / spent recovery code state
        form.code.errors = [
            _("That code didn't work. Enter the newest code from your app.")
        ]
    status = 401 if request.method == "POST" else 200
    return render_template("accounts/signin_code.html", form=form), status


@bp.post("/signout")
def signout() -> Any:
    form = forms.ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        auth.sign_out()
        db.session.commit()
        flash(_("You're signed out."), "info")
    return redirect(url_for("home.index"), 303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> Any:
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        service.send_password_reset(db.session, form.email.data)
        db.session.commit()
        # The same answer whether or not the account exists (no enumeration).
        flash(
            _(
                "If that email has an account, a reset link is on its way. "
                "It works for 2 hours."
            ),
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
        with saving(form) as saved:
            service.reset_password(db.session, token, form.password.data)
        if saved.ok:
            if current_user.is_authenticated:
                auth.sign_out()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.signin"), 303)
    return render_template("accounts/reset_password.html", form=form), (
        422 if form.errors else 200
    )


@bp.route("/account", methods=["GET", "POST"])
@login_required
@reauth_limit
def profile() -> Any:
    form = forms.ProfileForm(obj=current_user)
    password_form = forms.ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            pending = service.update_profile(
                db.session,
                current_user,
                name=form.name.data,
                email=form.email.data,
                confirm=form.confirm.data or "",
            )
            db.session.commit()
        except DomainError as error:
            db.session.commit()  # keep a spent recovery code / used TOTP step
            _refused(error)
            show_error(form, error)
        else:
            if pending:
                flash(
                    _(
                        "Your name is saved. We sent a link to %(email)s: your email "
                        "changes when you open it.",
                        email=pending,
                    ),
                    "success",
                )
            else:
                flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"), 303)
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=password_form,
        preferences_form=forms.EmailPreferencesForm(obj=current_user),
        digest_form=_digest_form(),
    ), (422 if form.errors else 200)


def _digest_form() -> DigestForm:
    frequency = digest.frequency_of(db.session, current_user)
    return DigestForm(formdata=None, frequency=frequency.value if frequency else "")


@bp.post("/account/email-preferences")
@login_required
def email_preferences() -> Any:
    form = forms.EmailPreferencesForm()
    if form.validate_on_submit():
        service.set_review_digest_email(
            db.session, current_user, bool(form.review_digest_email.data)
        )
        db.session.commit()
        flash(_("Your email choices are saved."), "success")
    return redirect(url_for("accounts.profile"), 303)


@bp.context_processor
def account_forms() -> dict[str, Any]:
    """The time zone form every account page render shows (a view passes its own
    when it comes back with an error)."""
    if not current_user.is_authenticated:
        return {}
    return {"time_zone_form": forms.TimeZoneForm(prefix="tz", obj=current_user)}


@bp.post("/account/time-zone")
@login_required
def time_zone() -> Any:
    form = forms.TimeZoneForm(prefix="tz")
    if form.validate_on_submit():
        with saving(form) as saved:
            service.set_time_zone(db.session, current_user, form.time_zone.data)
        if saved.ok:
            flash(
                _(
                    "Your time zone is saved. Times now show in %(zone)s.",
                    zone=timezones.zone_label(timezones.zone_name_for(current_user)),
                ),
                "success",
            )
            return redirect(url_for("accounts.profile") + "#time-zone", 303)
    return render_template(
        "accounts/profile.html",
        form=forms.ProfileForm(obj=current_user),
        password_form=forms.ChangePasswordForm(prefix="pw"),
        preferences_form=forms.EmailPreferencesForm(obj=current_user),
        digest_form=_digest_form(),
        time_zone_form=form,
    ), 422


@bp.post("/account/password")
@login_required
def change_password() -> Any:
    form = forms.ProfileForm(obj=current_user)
    password_form = forms.ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        with saving(password_form) as saved:
            service.change_password(
                db.session,
                current_user,
                current=password_form.current_password.data,
                new=password_form.password.data,
                keep_token=auth.current_session_token(),
            )
        if saved.ok:
            flash(
                _("Your password is changed. Your other browsers were signed out."),
                "success",
            )
            return redirect(url_for("accounts.profile"), 303)
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=password_form,
        preferences_form=forms.EmailPreferencesForm(obj=current_user),
        digest_form=_digest_form(),
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
            with saving(form):
                recovery_codes = service.confirm_totp(db.session, user, form.code.data)
    qr_svg = secret = None
    if not user.two_factor_enabled:
        uri = service.totp_uri(user)
        secret = service.totp_secret(user)
        qr_svg = segno.make(uri, error="m").svg_inline(
            scale=4, title=_("QR code for your authenticator app")
        )
    return render_template(
        "accounts/two_factor.html",
        form=form,
        qr_svg=qr_svg,
        secret=secret,
        recovery_codes=recovery_codes,
        next_url=_safe_next(url_for("home.dashboard")),
        disable_form=forms.ReauthForm(prefix="off"),
        codes_form=forms.ReauthForm(prefix="rc"),
    ), (422 if form.errors else 200)


@bp.post("/account/two-factor/recovery-codes")
@login_required
@reauth_limit
def new_recovery_codes() -> Any:
    form = forms.ReauthForm(prefix="rc")
    if not (form.validate_on_submit() and current_user.two_factor_enabled):
        flash(_("Enter your password or a code to make new recovery codes."), "error")
        return redirect(url_for("accounts.two_factor"), 303)
    try:
        codes = service.replace_recovery_codes(
            db.session, current_user, form.confirm.data
        )
    except DomainError as error:
        db.session.commit()  # keep a spent recovery code / used TOTP step
        _refused(error)
        flash(error.message, "error")
        return redirect(url_for("accounts.two_factor"), 303)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", recovery_codes=codes)


@bp.post("/account/two-factor/off")
@login_required
@reauth_limit
def disable_two_factor() -> Any:
    form = forms.ReauthForm(prefix="off")
    if form.validate_on_submit():
        try:
            service.disable_totp(db.session, current_user, form.confirm.data)
        except InvalidInput as error:
            db.session.commit()  # keep a spent recovery code / used TOTP step
            _refused(error)
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Two-factor sign-in is off. We emailed you about it."), "info")
    else:
        flash(
            _("Enter your password or a code to turn two-factor sign-in off."),
            "error",
        )
    return redirect(url_for("accounts.two_factor"), 303)


# --- email verification and undoing changes -------------------------------------------


@bp.get("/account/verify-email")
@login_required
def verify_email() -> Any:
    return render_template(
        "accounts/verify_email.html", form=forms.ConfirmForm(prefix="resend")
    )


@bp.post("/account/verify-email")
@login_required
@limiter.limit(_resend_limit, key_func=_resend_key, scope="verify-email-resend")
def resend_verification() -> Any:
    form = forms.ConfirmForm(prefix="resend")
    if form.validate_on_submit() and not current_user.email_verified:
        service.send_verification(db.session, current_user)
        db.session.commit()
        flash(
            _("We sent a new link to %(email)s.", email=current_user.email), "success"
        )
    return redirect(url_for("accounts.verify_email"), 303)


@bp.get("/account/verify-email/<token>")
def confirm_email(token: str) -> Any:
    with saving(show=False) as saved:
        user, old = service.confirm_email(db.session, token)
        from pdhub.credentials import service as credentials

        credentials.issue_held_awards(db.session, user)
    if (error := saved.error) is not None:
        return render_template(
            "accounts/link_invalid.html",
            title=_("This link doesn't work any more"),
            message=error.message,
        ), 400
    if old is not None:
        flash(
            _(
                "Your email is now %(email)s. We told %(old)s about the change.",
                email=user.email,
                old=old,
            )
        )
    else:
        flash(_("Thank you: your email address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"), 303)
    return redirect(url_for("accounts.signin"), 303)


@bp.route("/account/undo/<token>", methods=["GET", "POST"])
def undo_change(token: str) -> Any:
    try:
        record = service.undo_token(db.session, token)
    except InvalidInput as error:
        return render_template(
            "accounts/link_invalid.html",
            title=_("This undo link doesn't work any more"),
            message=error.message,
        ), 400
    form = forms.ConfirmForm(prefix="undo")
    if form.validate_on_submit():
        with saving(show=False) as saved:
            service.undo_change(db.session, token)
        if (problem := saved.error) is not None:
            form.form_errors.append(problem.message)
        else:
            if current_user.is_authenticated:
                auth.sign_out()
            flash(
                _(
                    "Done: the change is undone and every browser is signed out. "
                    "Reset your password now if someone else may know it."
                ),
                "success",
            )
            return redirect(url_for("accounts.forgot_password"), 303)
    return render_template(
        "accounts/undo_change.html", form=form, kind=(record.data or {}).get("kind")
    )


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
            ngettext(
                "Signed out of %(num)d other browser.",
                "Signed out of %(num)d other browsers.",
                ended,
            ),
            "info",
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
        with saving(form):
            new_token = service.create_api_token(
                db.session,
                current_user,
                form.name.data,
                scopes=form.scopes.data,
                lifetime_days=LIFETIMES.get(form.lifetime.data),
            )
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
        scope_names=SCOPES,
        now=utcnow(),
    )


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@auth.roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def revoke_api_token(token_id: int) -> Any:
    form = forms.ConfirmForm(prefix="r")
    if form.validate_on_submit():
        service.revoke_api_token(db.session, current_user, token_id)
        db.session.commit()
        flash(_("The token is revoked; anything using it stops working now."), "info")
    return redirect(url_for("accounts.api_tokens"), 303)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    invitation = districts.invitation_for_token(db.session, token)
    form = forms.AcceptInvitationForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            user = districts.accept_invitation(
                db.session, token, name=form.name.data, password=form.password.data
            )
            if current_user.is_authenticated:
                auth.sign_out()
            auth.sign_in(user)
        if saved.ok:
            flash(
                _(
                    "Welcome to %(district)s on PD Hub!",
                    district=invitation.district.name,
                ),
                "success",
            )
            if user.is_staff:
                return redirect(url_for("accounts.two_factor"), 303)
            return redirect(url_for("home.dashboard"), 303)
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation
    ), (422 if form.errors else 200)
