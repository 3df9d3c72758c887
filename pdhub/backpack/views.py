"""Badges from elsewhere at /badges/elsewhere: the teacher's list, adding one (file
or pasted text), and removing one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.backpack import forms, service
from pdhub.errors import NotFound, size_limit_text
from pdhub.extensions import db
from pdhub.forms import saving

bp = Blueprint("backpack", __name__, url_prefix="/badges/elsewhere")


def _page(form: forms.AddBadgeForm, status: int = 200) -> Any:
    return render_template(
        "backpack/index.html",
        form=form,
        badges=service.badges_of(db.session, current_user),
        remove_form=ConfirmForm(prefix="remove"),
    ), status


@bp.get("")
@roles_required(Role.TEACHER)
def index() -> Any:
    return _page(forms.AddBadgeForm())


@bp.post("")
@roles_required(Role.TEACHER)
def add() -> Any:
    form = forms.AddBadgeForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    if form.file.data and form.file.data.filename:
        data: Any = form.file.data.read(service.MAX_DOCUMENT + 1)
        if len(data) > service.MAX_DOCUMENT:
            form.file.errors = [
                _(
                    "This file is too large for a badge (the limit is %(limit)s).",
                    limit=size_limit_text(service.MAX_DOCUMENT),
                )
            ]
            return _page(form, 422)
    else:
        data = (form.credential.data or "").strip()
    with saving(form) as saved:
        added = service.add(db.session, current_user, data)
    if not saved.ok:
        return _page(form, 422)
    flash(
        _("“%(name)s” is in your records.", name=added.badge.achievement_name)
        if added.created
        else _(
            "“%(name)s” was already in your records; it is now up to date.",
            name=added.badge.achievement_name,
        ),
        "success",
    )
    return redirect(url_for("backpack.index"), 303)


@bp.post("/<int:badge_id>/remove")
@roles_required(Role.TEACHER)
def remove(badge_id: int) -> Any:
    form = ConfirmForm(prefix="remove")
    if not form.validate_on_submit():
        abort(400)
    with saving(form, show=False) as saved:
        service.remove(db.session, current_user, badge_id)
    if isinstance(saved.error, NotFound):
        abort(404)  # another person's badge, or none: nothing says which
    flash(_("The badge is no longer in your records."), "success")
    return redirect(url_for("backpack.index"), 303)
