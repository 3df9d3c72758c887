"""Platform administrator pages: districts (and their time zones) and every account's
role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms import SelectChoice

from pdhub.accounts import languages
from pdhub.accounts import service as accounts
from pdhub.accounts.auth import admin_required
from pdhub.accounts.forms import ConfirmForm, DistrictLanguageForm
from pdhub.accounts.models import Role, User
from pdhub.admin.forms import AdminUserForm
from pdhub.districts import service as districts
from pdhub.districts.forms import DistrictForm, DistrictTimeZoneForm
from pdhub.districts.models import District
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.i18n import language_name

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.route("/districts", methods=["GET", "POST"], endpoint="districts")
@admin_required
def districts_page() -> Any:
    form = DistrictForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            district = districts.create_district(
                db.session,
                current_user,
                form.name.data,
                time_zone=form.time_zone.data,
            )
        if saved.ok:
            flash(
                _(
                    "%(district)s is created. Its join code is %(code)s.",
                    district=district.name,
                    code=district.join_code,
                ),
                "success",
            )
            return redirect(url_for("admin.districts"), 303)
    counts = dict(
        db.session.execute(
            select(User.district_id, func.count(User.id)).group_by(User.district_id)
        ).all()
    )
    rows = db.session.scalars(select(District).order_by(District.name)).all()
    return render_template(
        "admin/districts.html", form=form, districts=rows, counts=counts
    ), (422 if form.errors else 200)


@bp.route("/districts/<int:district_id>", methods=["GET", "POST"])
@admin_required
def district(district_id: int) -> Any:
    found = db.session.get(District, district_id)
    if found is None:
        abort(404)
    form = DistrictTimeZoneForm(obj=found)
    if form.validate_on_submit():
        with saving(form) as saved:
            districts.set_time_zone(
                db.session, current_user, found, form.time_zone.data
            )
        if saved.ok:
            flash(
                _("%(district)s's time zone is saved.", district=found.name),
                "success",
            )
            return redirect(url_for("admin.district", district_id=found.id), 303)
    return render_template("admin/district.html", district=found, form=form), (
        422 if form.errors else 200
    )


@bp.post("/districts/<int:district_id>/language")
@admin_required
def district_language(district_id: int) -> Any:
    found = db.session.get(District, district_id)
    if found is None:
        abort(404)
    form = DistrictLanguageForm()
    if form.validate_on_submit():
        languages.set_district_language(
            db.session, current_user, found, form.default_language.data
        )
        db.session.commit()
        flash(
            _(
                "%(district)s's language is saved: %(language)s.",
                district=found.name,
                language=language_name(found.default_language),
            ),
            "success",
        )
    return redirect(url_for("admin.district", district_id=found.id) + "#language", 303)


@bp.get("/users")
@admin_required
def users() -> Any:
    query = request.args.get("q", "").strip()[:100]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    statement = select(User).order_by(User.name)
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(func.lower(User.name).like(like), User.email.like(like))
        )
    rows = db.session.scalars(
        statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "admin/users.html",
        users=rows[:PAGE_SIZE],
        query=query,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user(user_id: int) -> Any:
    member = db.session.get(User, user_id)
    if member is None:
        abort(404)
    all_districts = db.session.scalars(select(District).order_by(District.name)).all()
    form = AdminUserForm(
        data={"role": member.role.value, "district": str(member.district_id or "")}
    )
    form.role.choices = [SelectChoice(role.value, role.label) for role in Role]
    form.district.choices = [SelectChoice("", _("No district"))] + [
        SelectChoice(str(d.id), d.name) for d in all_districts
    ]
    if form.validate_on_submit():
        with saving(form) as saved:
            district = (
                db.session.get(District, int(form.district.data))
                if form.district.data
                else None
            )
            accounts.move_to_district(db.session, current_user, member, district)
            accounts.set_role(db.session, current_user, member, Role(form.role.data))
        if saved.ok:
            flash(_("%(name)s is saved.", name=member.name), "success")
            return redirect(url_for("admin.user", user_id=member.id), 303)
    return render_template(
        "admin/user.html",
        member=member,
        form=form,
        signout_form=ConfirmForm(prefix="so"),
    )


@bp.get("/jobs")
@admin_required
def jobs() -> Any:
    from pdhub.admin import service as admin

    return render_template(
        "admin/jobs.html", failures=admin.open_failures(db.session), form=ConfirmForm()
    )


@bp.post("/jobs/<int:failure_id>/retry")
@admin_required
def retry_job(failure_id: int) -> Any:
    from pdhub.admin import service as admin
    from pdhub.admin.models import JobFailure

    failure = db.session.get(JobFailure, failure_id)
    if failure is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with saving() as saved:
            admin.retry_job(db.session, current_user, failure)
        if saved.ok:
            flash(_("%(job)s is sent again.", job=failure.task_name), "success")
    return redirect(url_for("admin.jobs"), 303)
