"""Single sign-on pages: a district administrator's provider settings, "Sign in with
your school account" (email first, then the district's provider) and the OpenID
Connect callback."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from pdhub.accounts import auth
from pdhub.accounts import service as accounts
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction, AuditOutcome
from pdhub.districts.models import District
from pdhub.errors import InvalidInput
from pdhub.extensions import db, limiter
from pdhub.forms import saving
from pdhub.routing import safe_next
from pdhub.sso import forms, service
from pdhub.sso.models import SsoConnection, SsoProvider

bp = Blueprint("sso", __name__)

#: The browser session's key for a sign-in sent to a provider (used once).
PENDING_KEY = "sso_pending"

def callback_url() -> str:
    """The redirect URI to register at the provider (one for every district)."""
    return str(current_app.config["PDHUB_BASE_URL"]).rstrip("/") + url_for(
        "sso.callback"
    )


def _my_district() -> District:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    return district


@bp.route("/district/integrations/sso", methods=["GET", "POST"])
@auth.roles_required(Role.DISTRICT_ADMIN)
def settings() -> Any:
    district = _my_district()
    connection = service.connection_of(db.session, district.id)
    if request.method == "POST" and request.form.get("remove"):
        confirm = ConfirmForm()
        if confirm.validate_on_submit():
            service.remove_connection(db.session, district)
            audit.record(
                db.session,
                AuditAction.SSO_CHANGE,
                actor=current_user,
                district_id=district.id,
                detail={"enabled": False},
            )
            db.session.commit()
            flash(
                _("Single sign-on is off. Everyone signs in with a password."),
                "success",
            )
        return redirect(url_for("sso.settings"), 303)
    form = forms.SsoSettingsForm(
        formdata=request.form if request.method == "POST" else None,
        data=(
            {
                "provider": connection.provider.value,
                "tenant": connection.tenant or "",
                "issuer": connection.issuer,
                "client_id": connection.client_id,
                "domains": ", ".join(connection.domain_names),
                "require_sso": connection.require_sso,
            }
            if connection is not None
            else {"provider": "google"}
        ),
    )
    if form.validate_on_submit():
        with saving(form) as saved:
            saved_connection = service.save_connection(
                db.session,
                district,
                provider=SsoProvider(form.provider.data),
                tenant=form.tenant.data or "",
                issuer=form.issuer.data or "",
                client_id=form.client_id.data or "",
                client_secret=form.client_secret.data or "",
                domains=form.domains.data or "",
                require_sso=bool(form.require_sso.data),
            )
            # What changed, never the secret (only whether a new one was given).
            audit.record(
                db.session,
                AuditAction.SSO_CHANGE,
                actor=current_user,
                district_id=district.id,
                object_type="sso_connection",
                object_id=saved_connection.id,
                detail={
                    "enabled": True,
                    "provider": saved_connection.provider.value,
                    "issuer": saved_connection.issuer,
                    "client_id": saved_connection.client_id,
                    "domains": saved_connection.domain_names,
                    "require_sso": saved_connection.require_sso,
                    "new_secret": bool(form.client_secret.data),
                },
            )
        if saved.ok:
            flash(
                _(
                    "Single sign-on is saved. Staff with these email domains can "
                    "now use “Sign in with your school account”."
                ),
                "success",
            )
            return redirect(url_for("sso.settings"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "sso/settings.html",
        form=form,
        connection=connection,
        district=district,
        redirect_uri=callback_url(),
        provider_label=service.provider_label,
        remove_form=ConfirmForm(),
    ), status


def _sso_limit() -> str:
    return str(current_app.config["PDHUB_SIGNIN_LIMIT_ADDRESS"])


@bp.route("/signin/sso", methods=["GET", "POST"])
@limiter.limit(_sso_limit, methods=["POST"], scope="signin-sso")
def start() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = forms.SchoolAccountForm(data={"email": request.args.get("email", "")[:254]})
    if form.validate_on_submit():
        try:
            email = accounts.normalize_email(form.email.data or "")
            connection = service.connection_for_email(db.session, email)
            if connection is None:
                raise InvalidInput(
                    _(
                        "Your district hasn't set up school-account sign-in for "
                        "%(domain)s. Sign in with your email and password.",
                        domain=service.domain_of(email),
                    ),
                    field="email",
                )
            url, pending = service.begin(
                connection,
                callback_url(),
                login_hint=email,
                next=safe_next(request.args.get("next"), ""),
            )
        except (InvalidInput, service.SignInRefused) as error:
            form.email.errors = [error.message]
        else:
            session[PENDING_KEY] = pending.as_dict()
            return redirect(url, 303)
    status = 422 if form.errors else 200
    return render_template("sso/start.html", form=form), status


@bp.get("/signin/oidc/callback")
def callback() -> Any:
    # Used once: a replayed callback (or a second tab) finds nothing to finish.
    pending = service.Pending.from_dict(session.pop(PENDING_KEY, None) or {})
    with saving(show=False) as saved:
        user, connection = service.finish(
            db.session, pending, request.args.to_dict(), callback_url()
        )
        auth.sign_in(user, single_sign_on=connection.provider.value)
    if saved.ok:
        return redirect(
            safe_next(pending.next if pending else "", url_for("home.dashboard")),
            303,
        )
    error = saved.error
    assert error is not None
    district_id = None
    if pending is not None:
        found = db.session.get(SsoConnection, pending.connection_id)
        district_id = found.district_id if found is not None else None
    audit.record(
        db.session,
        AuditAction.SIGNIN_FAILURE,
        outcome=AuditOutcome.DENIED,
        district_id=district_id,
        detail={"step": "sso", "reason": getattr(error, "reason", "refused")},
    )
    db.session.commit()
    return render_template("sso/refused.html", message=error.message), error.status
