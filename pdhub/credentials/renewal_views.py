"""Renewal by reflection: the teacher's page at /badges/<id>/renewal, and the
coach's list of reflections waiting (/review/renewals) and decision page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pdhub.accounts.auth import roles_required
from pdhub.accounts.models import Role
from pdhub.credentials import forms, renewal, service
from pdhub.errors import DomainError, NotFound
from pdhub.extensions import db
from pdhub.forms import saving

bp = Blueprint("renewals", __name__)


def _own_renewal(credential_id: str) -> Any:
    try:
        credential = service.get_credential(db.session, credential_id)
        return renewal.own_renewal(db.session, current_user, credential)
    except DomainError:
        abort(404)


@bp.route("/badges/<credential_id>/renewal", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def reflection(credential_id: str) -> Any:
    found = _own_renewal(credential_id)
    if not renewal.by_reflection(found.credential):
        abort(404)
    form = forms.ReflectionForm()
    if (
        found.finished_at is None
        and found.submitted_at is None
        and form.validate_on_submit()
    ):
        with saving(form) as saved:
            renewal.submit_reflection(
                db.session, current_user, found, form.reflection.data or ""
            )
        if saved.ok:
            flash(
                _("Your reflection is with your coaches. We tell you when it is read."),
                "success",
            )
            return redirect(
                url_for("renewals.reflection", credential_id=credential_id), 303
            )
    elif not form.is_submitted() and found.submitted_at is None:
        form.reflection.data = found.reflection_text
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("credentials/renewal.html", renewal=found, form=form), status


@bp.get("/review/renewals")
@roles_required(Role.COACH)
def queue() -> Any:
    return render_template(
        "credentials/renewal_queue.html",
        renewals=renewal.waiting_for(db.session, current_user),
    )


@bp.route("/review/renewals/<int:renewal_id>", methods=["GET", "POST"])
@roles_required(Role.COACH)
def decide(renewal_id: int) -> Any:
    try:
        found = renewal.for_review(db.session, current_user, renewal_id)
    except NotFound:
        abort(404)
    form = forms.RenewalDecisionForm()
    if found.finished_at is None and form.validate_on_submit():
        renew = form.decision.data == "renew"
        with saving(form) as saved:
            renewal.decide(
                db.session,
                current_user,
                found,
                renew=renew,
                feedback=form.feedback.data or "",
            )
        if saved.ok:
            flash(
                _("The badge is renewed and the teacher is told.")
                if renew
                else _("The reflection is back with the teacher, with your feedback."),
                "success",
            )
            return redirect(url_for("renewals.queue"), 303)
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template(
        "credentials/renewal_decide.html", renewal=found, form=form
    ), status
