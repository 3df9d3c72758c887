"""Pages for a person's data: ask for an export, download it once, erase an account;
a district's data page (its export and retention settings)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.accountdata import erasure, forms, retention, service
from pdhub.accountdata.models import ExportKind
from pdhub.accountdata.policies import can_erase
from pdhub.accounts import auth
from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role, User
from pdhub.districts.models import District
from pdhub.extensions import db
from pdhub.forms import saving

bp = Blueprint("accountdata", __name__)


@bp.get("/account/data")
@login_required
def data_page() -> Any:
    return render_template(
        "accountdata/data.html",
        exports=service.exports_of(db.session, current_user, ExportKind.ACCOUNT),
        form=ConfirmForm(),
        hours=service.LINK_HOURS,
    )


@bp.post("/account/data/export")
@login_required
def ask_for_export() -> Any:
    if ConfirmForm().validate_on_submit():
        with saving() as saved:
            service.request_export(db.session, current_user)
        if saved.ok:
            flash(
                _(
                    "We are preparing your data. We will email you a download link "
                    "when it is ready."
                ),
                "success",
            )
    return redirect(url_for("accountdata.data_page"), 303)


@bp.get("/account/data/download/<token>")
@login_required
def download(token: str) -> Any:
    with saving(show=False) as saved:
        export, content = service.redeem_link(db.session, current_user, token)
    if isinstance(saved.error, service.LinkUsed):
        return _link_refused(
            saved.error.message,
            _(
                "Each download link works once. Ask for a new copy of your data "
                "on your data page."
            ),
        )
    if isinstance(saved.error, service.LinkExpired):
        return _link_refused(
            saved.error.message,
            _(
                "Download links work for %(hours)d hours. Ask for a new copy.",
                hours=service.LINK_HOURS,
            ),
        )
    if saved.error is not None:
        abort(404)
    name = (
        "pdhub-district-data.zip"
        if export.kind is ExportKind.DISTRICT
        else "pdhub-my-data.zip"
    )
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _link_refused(title: str, message: str) -> Any:
    return render_template(
        "accountdata/link_refused.html", title=title, message=message
    ), 410


@bp.route("/account/data/erase", methods=["GET", "POST"])
@login_required
def erase_own() -> Any:
    form = forms.EraseOwnForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        with saving(form) as saved:
            erasure.check_confirmation(user, form.password.data, form.phrase.data)
            erasure.erase_account(db.session, user, user)
        if saved.ok:
            auth.sign_out()
            flash(_("Your account is erased. Thank you for learning with us."), "info")
            return redirect(url_for("home.index"), 303)
    return render_template(
        "accountdata/erase.html",
        form=form,
        person=None,
        phrase=str(erasure.CONFIRM_PHRASE),
    ), (422 if form.errors else 200)


@bp.route("/people/<int:user_id>/erase", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def erase_person(user_id: int) -> Any:
    person = db.session.get(User, user_id)
    if person is None or person.id == current_user.id:
        abort(404)
    if not can_erase(current_user, person):
        abort(404)
    form = forms.ErasePersonForm()
    if form.validate_on_submit():
        if not erasure.phrase_matches(form.phrase.data):
            form.phrase.errors.append(_("Type the phrase exactly as shown."))
        else:
            with saving(form) as saved:
                erasure.erase_account(db.session, current_user, person)
            if saved.ok:
                flash(_("The account is erased."), "info")
                if current_user.role is Role.ADMIN:
                    return redirect(url_for("admin.users"), 303)
                return redirect(url_for("districts.overview"), 303)
    return render_template(
        "accountdata/erase.html",
        form=form,
        person=person,
        phrase=str(erasure.CONFIRM_PHRASE),
    ), (422 if form.errors else 200)


def _my_district() -> District:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    return district


@bp.route("/district/data", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def district_data() -> Any:
    district = _my_district()
    form = forms.RetentionForm(
        data={
            "evidence_days": district.evidence_retention_days,
            "inactive_days": district.inactive_account_days,
            "revoke_on_erasure": district.revoke_on_erasure,
        }
    )
    if form.validate_on_submit():
        with saving(form) as saved:
            retention.set_policy(
                db.session,
                district,
                actor=current_user,
                evidence_days=form.evidence_days.data,
                inactive_days=form.inactive_days.data,
                revoke_on_erasure=bool(form.revoke_on_erasure.data),
            )
        if saved.ok:
            flash(_("Your district's data settings are saved."), "success")
            return redirect(url_for("accountdata.district_data"), 303)
    return render_template(
        "accountdata/district.html",
        district=district,
        form=form,
        export_form=ConfirmForm(prefix="x"),
        exports=service.exports_of(db.session, current_user, ExportKind.DISTRICT),
        notice_days=retention.NOTICE_DAYS,
        hours=service.LINK_HOURS,
    ), (422 if form.errors else 200)


@bp.post("/district/data/export")
@roles_required(Role.DISTRICT_ADMIN)
def district_export() -> Any:
    district = _my_district()
    if ConfirmForm(prefix="x").validate_on_submit():
        with saving() as saved:
            service.request_district_export(db.session, current_user, district)
        if saved.ok:
            flash(
                _(
                    "We are preparing your district's data. We will email you a "
                    "download link when it is ready."
                ),
                "success",
            )
    return redirect(url_for("accountdata.district_data"), 303)
