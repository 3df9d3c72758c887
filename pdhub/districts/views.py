"""District administrator pages: overview, time zone, schools, staff and roles,
invitations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from pdhub.accounts import languages, timezones
from pdhub.accounts import service as accounts
from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role, User
from pdhub.accounts.policies import can_sign_out_everywhere
from pdhub.districts import forms, policies, service
from pdhub.districts.models import District, Invitation, School
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.i18n import language_name

bp = Blueprint("districts", __name__, url_prefix="/district")


def _my_district() -> District:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    return district


def _invite_form(district: District) -> forms.InviteForm:
    form = forms.InviteForm(prefix="invite")
    form.school.choices = [SelectChoice("", "No particular school")] + [
        SelectChoice(str(school.id), school.name) for school in district.schools
    ]
    return form


def _render_overview(district: District, **forms_: Any) -> str:
    return render_template(
        "districts/overview.html",
        district=district,
        staff=service.staff(db.session, district),
        invitations=service.open_invitations(db.session, district),
        counts=service.school_counts(db.session, district),
        school_form=forms_.get("school_form") or forms.SchoolForm(prefix="school"),
        invite_form=forms_.get("invite_form") or _invite_form(district),
        time_zone_form=forms_.get("time_zone_form")
        or forms.DistrictTimeZoneForm(prefix="tz", obj=district),
        confirm_form=ConfirmForm(prefix="c"),
    )


@bp.get("")
@roles_required(Role.DISTRICT_ADMIN)
def overview() -> Any:
    return _render_overview(_my_district())


@bp.post("/schools")
@roles_required(Role.DISTRICT_ADMIN)
def add_school() -> Any:
    district = _my_district()
    form = forms.SchoolForm(prefix="school")
    if form.validate_on_submit():
        with saving(form) as saved:
            school = service.add_school(
                db.session, current_user, district, form.name.data
            )
        if saved.ok:
            flash(f"{school.name} is added.", "success")
            return redirect(url_for("districts.overview") + "#schools", 303)
    return _render_overview(district, school_form=form), 422


@bp.route("/schools/<int:school_id>", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def edit_school(school_id: int) -> Any:
    district = _my_district()
    school = db.session.get(School, school_id)
    if school is None or school.district_id != district.id:
        abort(404)
    form = forms.SchoolForm(obj=school)
    if form.validate_on_submit():
        with saving(form) as saved:
            service.rename_school(db.session, current_user, school, form.name.data)
        if saved.ok:
            flash("The school is renamed.", "success")
            return redirect(url_for("districts.overview") + "#schools", 303)
    return render_template("districts/school.html", form=form, school=school), (
        422 if form.errors else 200
    )


@bp.post("/time-zone")
@roles_required(Role.DISTRICT_ADMIN)
def set_time_zone() -> Any:
    """The district default; no id in the URL: an administrator sets only their own."""
    district = _my_district()
    form = forms.DistrictTimeZoneForm(prefix="tz")
    if form.validate_on_submit():
        with saving(form) as saved:
            service.set_time_zone(
                db.session, current_user, district, form.time_zone.data
            )
        if saved.ok:
            flash(
                "The district's time zone is saved: "
                f"{timezones.zone_label(district.time_zone)}.",
                "success",
            )
            return redirect(url_for("districts.overview") + "#time-zone", 303)
    return _render_overview(district, time_zone_form=form), 422


@bp.post("/language")
@roles_required(Role.DISTRICT_ADMIN)
def set_language() -> Any:
    """The district's default language; like the time zone, only one's own."""
    district = _my_district()
    form = languages.DistrictLanguageForm()
    if form.validate_on_submit():
        languages.set_district_language(
            db.session, current_user, district, form.default_language.data
        )
        db.session.commit()
        flash(
            _(
                "The district's language is saved: %(language)s.",
                language=language_name(district.default_language),
            ),
            "success",
        )
    return redirect(url_for("districts.overview") + "#language", 303)


@bp.post("/invitations")
@roles_required(Role.DISTRICT_ADMIN)
def invite() -> Any:
    district = _my_district()
    form = _invite_form(district)
    if form.validate_on_submit():
        with saving(form) as saved:
            school = service.get_school(
                db.session,
                district,
                int(form.school.data) if form.school.data else None,
            )
            service.invite(
                db.session,
                current_user,
                district,
                email=form.email.data,
                role=Role(form.role.data),
                school=school,
            )
        if saved.ok:
            flash(f"Invitation sent to {form.email.data}.", "success")
            return redirect(url_for("districts.overview") + "#invitations", 303)
    return _render_overview(district, invite_form=form), 422


@bp.post("/invitations/<int:invitation_id>/revoke")
@roles_required(Role.DISTRICT_ADMIN)
def revoke_invitation(invitation_id: int) -> Any:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.district_id != current_user.district_id:
        abort(404)
    if ConfirmForm(prefix="c").validate_on_submit():
        service.revoke_invitation(db.session, current_user, invitation)
        db.session.commit()
        flash("The invitation link no longer works.", "info")
    return redirect(url_for("districts.overview") + "#invitations", 303)


@bp.post("/join-code")
@roles_required(Role.DISTRICT_ADMIN)
def new_join_code() -> Any:
    if ConfirmForm(prefix="c").validate_on_submit():
        code = service.regenerate_join_code(db.session, current_user, _my_district())
        db.session.commit()
        flash(f"The new join code is {code}. The old one no longer works.", "info")
    return redirect(url_for("districts.overview"), 303)


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def staff_member(user_id: int) -> Any:
    district = _my_district()
    member = db.session.get(User, user_id)
    if member is None or member.district_id != district.id:
        abort(404)
    form = forms.RoleForm(data={"role": member.role.value})
    editable = policies.can_manage_district(current_user, district) and (
        member.role in {Role.TEACHER, Role.COACH} and member.id != current_user.id
    )
    if editable and form.validate_on_submit():
        with saving(form) as saved:
            accounts.set_role(db.session, current_user, member, Role(form.role.data))
        if saved.ok:
            flash(f"{member.name} is now a {member.role.label.lower()}.", "success")
            return redirect(url_for("districts.overview") + "#staff", 303)
    return render_template(
        "districts/staff_member.html",
        member=member,
        form=form,
        editable=editable,
        signout_form=ConfirmForm(prefix="so"),
    )


@bp.post("/staff/<int:user_id>/sign-out")
@roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def sign_out_member(user_id: int) -> Any:
    member = db.session.get(User, user_id)
    if member is None or not can_sign_out_everywhere(current_user, member):
        abort(404)
    if ConfirmForm(prefix="so").validate_on_submit():
        ended = accounts.end_all_sessions(db.session, member)
        db.session.commit()
        flash(f"{member.name} is signed out everywhere ({ended} session(s)).", "info")
    if current_user.role is Role.ADMIN:
        return redirect(url_for("admin.user", user_id=member.id), 303)
    return redirect(url_for("districts.staff_member", user_id=member.id), 303)
