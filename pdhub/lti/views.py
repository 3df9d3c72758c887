"""LTI 1.3 addresses: the tool's JWKS, OIDC login initiation, launch, the
deep-linking picker, and the district administrator's platform registrations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from pdhub.accounts import auth
from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.errors import DomainError
from pdhub.extensions import csrf, db
from pdhub.forms import saving
from pdhub.headers import CONTENT_SECURITY_POLICY
from pdhub.lti import keys, service
from pdhub.lti.forms import ModulePickerForm, RegistrationForm
from pdhub.lti.models import LtiRegistration

bp = Blueprint("lti", __name__)


def _refused(error: DomainError | None) -> Any:
    message = error.message if error is not None else ""
    return render_template("lti/error.html", message=message), 400


@bp.get("/lti/jwks.json")
def jwks() -> Any:
    document = keys.jwks(db.session)
    db.session.commit()
    response = jsonify(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
def login() -> Any:
    params = {key: str(value) for key, value in request.values.items()}
    target = ""
    with saving(show=False) as saved:
        target = service.begin_login(db.session, params)
    if not saved.ok:
        return _refused(saved.error)
    return redirect(target, 302)


@bp.post("/lti/launch")
@csrf.exempt
def launch() -> Any:
    token = slug = ""
    with saving(show=False) as saved:
        verified = service.verify_launch(
            db.session, request.form.get("id_token", ""), request.form.get("state", "")
        )
        if verified.message_type == service.DEEP_LINKING:
            token = service.start_deep_link(db.session, verified)
        else:
            user, module = service.resource_link(db.session, verified)
            slug = module.slug
            auth.sign_in(user)
    if not saved.ok:
        return _refused(saved.error)
    if token:
        return _picker(ModulePickerForm(formdata=None, token=token))
    return redirect(url_for("learning.module", slug=slug), 303)


def _picker(form: ModulePickerForm, status: int = 200) -> Any:
    modules = service.current_modules(db.session)
    form.modules.choices = [(m.slug, m.title) for m in modules]
    return render_template("lti/picker.html", form=form), status


@bp.post("/lti/deep-link")
@csrf.exempt
def deep_link() -> Any:
    form = ModulePickerForm()
    modules = service.current_modules(db.session)
    form.modules.choices = [(m.slug, m.title) for m in modules]
    return_url = token = ""
    with saving(form) as saved:
        pending = service.deep_link_for(db.session, form.token.data or "")
        if form.validate():
            return_url, token = service.finish_deep_link(
                db.session, pending, list(form.modules.data or [])
            )
    if isinstance(saved.error, service.LaunchError):
        return _refused(saved.error)
    if not token:
        return _picker(form, 422)
    origin = urlsplit(return_url)
    response = render_template("lti/return.html", return_url=return_url, jwt=token)
    policy = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origin.scheme}://{origin.netloc}"
    )
    return response, 200, {"Content-Security-Policy": policy}


# --- district administrators ----------------------------------------------------


def _fields(form: RegistrationForm) -> service.RegistrationFields:
    return service.RegistrationFields(
        name=form.name.data or "",
        issuer=form.issuer.data or "",
        client_id=form.client_id.data or "",
        auth_login_url=form.auth_login_url.data or "",
        auth_token_url=form.auth_token_url.data or "",
        jwks_url=form.jwks_url.data or "",
        deployment_ids=form.deployment_ids.data or "",
    )


def _tool_urls() -> dict[str, str]:
    base = service._base()
    return {
        "login": base + "/lti/login",
        "launch": base + "/lti/launch",
        "jwks": base + "/lti/jwks.json",
    }


@bp.route("/district/integrations/lti", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def platforms() -> Any:
    form = RegistrationForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            registration = service.save_registration(
                db.session, current_user, _fields(form)
            )
        if saved.ok:
            flash(_("Added %(name)s.", name=registration.name), "success")
            return redirect(url_for("lti.platforms"), 303)
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "lti/registrations.html",
        registrations=service.registrations(db.session, current_user.district_id),
        form=form,
        remove_form=ConfirmForm(),
        urls=_tool_urls(),
    ), (422 if failed else 200)


@bp.route("/district/integrations/lti/<int:registration_id>", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def registration(registration_id: int) -> Any:
    found: LtiRegistration = service.registration_for(
        db.session, current_user, registration_id
    )
    form = RegistrationForm(obj=found)
    if form.validate_on_submit():
        with saving(form) as saved:
            service.save_registration(db.session, current_user, _fields(form), found)
        if saved.ok:
            flash(_("Saved %(name)s.", name=found.name), "success")
            return redirect(url_for("lti.platforms"), 303)
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "lti/registration.html",
        registration=found,
        form=form,
        contexts=service.contexts(db.session, found),
        staff_form=ConfirmForm(),
        urls=_tool_urls(),
    ), (422 if failed else 200)


@bp.post("/district/integrations/lti/<int:registration_id>/remove")
@roles_required(Role.DISTRICT_ADMIN)
def remove(registration_id: int) -> Any:
    found = service.registration_for(db.session, current_user, registration_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = found.name
        with saving():
            service.remove_registration(db.session, found)
        flash(_("Removed %(name)s.", name=name), "success")
    return redirect(url_for("lti.platforms"), 303)


@bp.post("/district/integrations/lti/courses/<int:context_id>/staff")
@roles_required(Role.DISTRICT_ADMIN)
def import_staff(context_id: int) -> Any:
    context = service.context_for(db.session, current_user, context_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with saving() as saved:
            result = service.import_staff(db.session, context)
        if saved.ok:
            flash(
                _(
                    "Brought in %(added)d of the course's staff as teachers; "
                    "%(already)d already had an account.",
                    added=result.added,
                    already=result.already,
                ),
                "success",
            )
    return redirect(
        url_for("lti.registration", registration_id=context.registration_id), 303
    )
