"""Workshops at /district/workshops: a district's workshop badges, defining one,
awarding one to a session's attendees (a CSV file or a cohort's attendance, with a
preview first) and the issuing run's progress; and /badges/workshops/<id>.json, a
teacher's own workshop credential."""

from __future__ import annotations

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
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.errors import NotFound
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.templating import NAVIGATION, NavItem
from pdhub.workshops import forms, images, policies, service
from pdhub.workshops.models import RunStatus

bp = Blueprint("workshops", __name__)

NAVIGATION.append(
    NavItem(
        _l("Workshop badges"),
        "workshops.index",
        frozenset({Role.COACH, Role.DISTRICT_ADMIN}),
    )
)

AWARDERS = (Role.DISTRICT_ADMIN, Role.COACH)


def _workshop(workshop_id: int) -> Any:
    try:
        return service.get_workshop(db.session, current_user, workshop_id)
    except NotFound:
        abort(404)


@bp.route("/district/workshops", methods=["GET", "POST"])
@roles_required(*AWARDERS)
def index() -> Any:
    if current_user.district_id is None:
        abort(404)
    form = forms.WorkshopForm()
    can_define = policies.can_define(current_user)
    if can_define and form.validate_on_submit():
        with saving(form) as saved:
            workshop = service.create_workshop(
                db.session,
                current_user,
                name=form.name.data or "",
                description=form.description.data or "",
                criteria=form.criteria.data or "",
                hours=float(form.hours.data or 0),
                image=form.image.data or "",
            )
        if saved.ok:
            flash(_("The workshop badge is ready to award."), "success")
            return redirect(url_for("workshops.workshop", workshop_id=workshop.id), 303)
    elif request.method == "POST" and not can_define:
        abort(403)
    status = 422 if form.errors or form.form_errors else 200
    workshops = service.workshops_of(db.session, current_user)
    return render_template(
        "workshops/index.html",
        form=form,
        can_define=can_define,
        workshops=workshops,
        counts={w.id: service.award_count(db.session, w) for w in workshops},
        data_url=images.data_url,
    ), status


def _attendance_form() -> forms.AttendanceForm:
    form = forms.AttendanceForm(prefix="a")
    form.cohort_session.choices = [
        SelectChoice(
            meeting.id,
            f"{cohort.name} · {format_datetime(meeting.starts_at, 'medium')}",
        )
        for meeting, cohort in service.attendance_choices(db.session, current_user)
    ]
    return form


def _workshop_page(workshop: Any, csv_form: Any, attendance_form: Any) -> Any:
    return render_template(
        "workshops/workshop.html",
        workshop=workshop,
        csv_form=csv_form,
        attendance_form=attendance_form,
        runs=service.recent_runs(db.session, workshop),
        awards=service.awards_for(db.session, workshop),
        can_revoke=policies.can_define(current_user),
        shown=service.AWARDS_SHOWN,
        awarded=service.award_count(db.session, workshop),
        data_url=images.data_url,
        Status=RunStatus,
    )


@bp.get("/district/workshops/<int:workshop_id>")
@roles_required(*AWARDERS)
def workshop(workshop_id: int) -> Any:
    found = _workshop(workshop_id)
    return _workshop_page(found, forms.CsvForm(prefix="f"), _attendance_form())


@bp.post("/district/workshops/<int:workshop_id>/csv")
@roles_required(*AWARDERS)
def from_csv(workshop_id: int) -> Any:
    found = _workshop(workshop_id)
    form = forms.CsvForm(prefix="f")
    if form.validate_on_submit():
        storage = form.attendees.data
        if storage is None or not getattr(storage, "filename", ""):
            form.attendees.errors = [_("Choose the attendee file to upload.")]
        else:
            with saving(form) as saved:
                run = service.preview_csv(
                    db.session,
                    current_user,
                    found,
                    form.session_date.data,
                    storage.filename,
                    storage.read(service.MAX_UPLOAD_BYTES + 1),
                )
            if saved.ok:
                return redirect(
                    url_for("workshops.run", workshop_id=found.id, run_id=run.id), 303
                )
    return _workshop_page(found, form, _attendance_form()), 422


@bp.post("/district/workshops/<int:workshop_id>/attendance")
@roles_required(*AWARDERS)
def from_attendance(workshop_id: int) -> Any:
    found = _workshop(workshop_id)
    form = _attendance_form()
    if form.validate_on_submit():
        with saving(form) as saved:
            run = service.preview_attendance(
                db.session, current_user, found, form.cohort_session.data or 0
            )
        if saved.ok:
            return redirect(
                url_for("workshops.run", workshop_id=found.id, run_id=run.id), 303
            )
    return _workshop_page(found, forms.CsvForm(prefix="f"), form), 422


def _run(workshop_id: int, run_id: int) -> Any:
    found = _workshop(workshop_id)
    try:
        return service.get_run(db.session, current_user, found, run_id)
    except NotFound:
        abort(404)


@bp.get("/district/workshops/<int:workshop_id>/runs/<int:run_id>")
@roles_required(*AWARDERS)
def run(workshop_id: int, run_id: int) -> Any:
    found = _run(workshop_id, run_id)
    return render_template(
        "workshops/run.html",
        run=found,
        workshop=found.workshop,
        confirm_form=ConfirmForm(prefix="c"),
        Status=RunStatus,
        awards=service.awards_for(db.session, found.workshop, found),
        can_revoke=policies.can_define(current_user),
        shown=service.AWARDS_SHOWN,
    )


@bp.post("/district/workshops/<int:workshop_id>/runs/<int:run_id>/issue")
@roles_required(*AWARDERS)
def issue(workshop_id: int, run_id: int) -> Any:
    found = _run(workshop_id, run_id)
    if ConfirmForm(prefix="c").validate_on_submit():
        ticked: set[int] | None = None
        if found.source == "cohort":
            ticked = {
                int(value)
                for value in request.form.getlist("attendee")
                if value.isdigit()
            }
        with saving() as saved:
            service.confirm(db.session, current_user, found, ticked)
        if saved.ok:
            flash(_("The badges are being issued."), "info")
    return redirect(
        url_for("workshops.run", workshop_id=workshop_id, run_id=run_id), 303
    )


def _award(workshop_id: int, award_id: int) -> Any:
    """An award of this workshop, in the actor's district; else 404."""
    found = _workshop(workshop_id)
    try:
        award = service.get_award(db.session, current_user, award_id)
    except NotFound:
        abort(404)
    if award.workshop_id != found.id:
        abort(404)
    return award


@bp.route(
    "/district/workshops/<int:workshop_id>/awards/<int:award_id>/revoke",
    methods=["GET", "POST"],
)
@roles_required(Role.DISTRICT_ADMIN)
def revoke(workshop_id: int, award_id: int) -> Any:
    """Revoke one person's workshop badge, with a reason they are told."""
    award = _award(workshop_id, award_id)
    form = forms.RevokeForm()
    if award.revoked_at is None and form.validate_on_submit():
        with saving(form) as saved:
            service.revoke_award(
                db.session, current_user, award, form.reason.data or ""
            )
        if saved.ok:
            flash(
                _(
                    "%(name)s's badge is revoked; they were told.",
                    name=award.user.name,
                ),
                "success",
            )
            if award.run_id is not None:
                return redirect(
                    url_for("workshops.run", workshop_id=workshop_id,
                            run_id=award.run_id),
                    303,
                )  # fmt: skip
            return redirect(url_for("workshops.workshop", workshop_id=workshop_id), 303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "workshops/revoke.html", award=award, workshop=award.workshop, form=form
    ), status


@bp.get("/workshops/<int:workshop_id>")
def achievement(workshop_id: int) -> Any:
    """The public page at a workshop Achievement's id: what its credentials say."""
    try:
        found = service.public_workshop(db.session, workshop_id)
    except NotFound:
        abort(404)
    return render_template(
        "workshops/achievement.html", workshop=found, data_url=images.data_url
    )


@bp.get("/badges/workshops/<credential_id>.json")
@roles_required(*Role)
def credential(credential_id: str) -> Any:
    """The signed-in teacher's own workshop credential, as issued."""
    try:
        award = service.own_award(db.session, current_user, credential_id)
    except NotFound:
        abort(404)
    return Response(
        award.credential_json,
        mimetype="application/json",
        headers={
            "Content-Disposition": "attachment; "
            f'filename="workshop-{award.credential_id}.json"'
        },
    )
