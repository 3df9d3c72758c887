"""Endorsements: the district administrators' page at /district/endorsements (endorse
a module's achievement, withdraw an endorsement) and each endorsement's signed
EndorsementCredential at /endorsements/<id>."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.endorsements import forms, service
from pdhub.extensions import db
from pdhub.forms import saving

bp = Blueprint("endorsements", __name__)

JSON_LD = "application/vc+ld+json"


def _form() -> forms.EndorseForm:
    form = forms.EndorseForm()
    form.module.choices = [
        SelectChoice(module.id, module.title)
        for module in service.endorsable_modules(db.session)
    ]
    return form


def _render(form: forms.EndorseForm, status: int = 200) -> Any:
    assert current_user.district_id is not None
    return render_template(
        "endorsements/district.html",
        form=form,
        endorsements=service.of_district(db.session, current_user.district_id),
        withdraw_form=ConfirmForm(prefix="withdraw"),
    ), status


@bp.route("/district/endorsements", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def district_page() -> Any:
    if current_user.district_id is None:
        abort(404)
    form = _form()
    if form.validate_on_submit():
        with saving(form) as saved:
            service.endorse(
                db.session,
                current_user,
                form.module.data or 0,
                form.comment.data or "",
            )
        if saved.ok:
            flash(
                _(
                    "Your endorsement is signed. It shows on the badge of everyone "
                    "who earned the module."
                ),
                "success",
            )
            return redirect(url_for("endorsements.district_page"), 303)
    return _render(form, 422 if form.is_submitted() else 200)


@bp.post("/district/endorsements/<endorsement_id>/withdraw")
@roles_required(Role.DISTRICT_ADMIN)
def withdraw(endorsement_id: str) -> Any:
    found = service.get(db.session, endorsement_id)
    if found is None or found.district_id != current_user.district_id:
        abort(404)
    form = ConfirmForm(prefix="withdraw")
    if not form.validate_on_submit():
        flash(_("That did not work. Please use the Withdraw button again."), "error")
        return redirect(url_for("endorsements.district_page"), 303)
    with saving() as saved:
        service.withdraw(db.session, current_user, endorsement_id)
    if saved.ok:
        flash(
            _("The endorsement is withdrawn. Verifiers now see it as revoked."),
            "success",
        )
    return redirect(url_for("endorsements.district_page"), 303)


@bp.get("/endorsements/<endorsement_id>")
def endorsement(endorsement_id: str) -> Any:
    """The signed EndorsementCredential, as issued (a withdrawn one too: its
    status entry tells a verifier it was withdrawn)."""
    found = service.get(db.session, endorsement_id)
    if found is None:
        abort(404)
    text = found.credential_json
    response = Response(text, mimetype=JSON_LD)
    response.set_etag(hashlib.sha256(text.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
