"""Cohort pages: the list and joining with a code, a cohort's schedule and members,
its sessions' attendance, the coach's progress page and the calendar feed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.accounts import timezones
from pdhub.accounts.models import Role, User
from pdhub.coaching import service as coaching
from pdhub.cohorts import calendar, forms, policies, service
from pdhub.cohorts.models import Cohort, CohortSession
from pdhub.communities import policies as communities
from pdhub.db import utcnow
from pdhub.errors import NotFound
from pdhub.extensions import db
from pdhub.forms import saving

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


def _cohort(cohort_id: int) -> Cohort:
    try:
        return service.get(db.session, current_user, cohort_id)
    except NotFound:
        abort(404)


def _meeting(cohort: Cohort, session_id: int) -> CohortSession:
    try:
        return service.get_session(db.session, cohort, session_id)
    except NotFound:
        abort(404)


def _cohort_form() -> forms.CohortForm:
    form = forms.CohortForm()
    form.modules.choices = service.module_choices(db.session)
    if current_user.role is Role.DISTRICT_ADMIN and current_user.district_id:
        form.coach.choices = [
            (c.id, c.name)
            for c in service.coach_choices(db.session, current_user.district_id)
        ]
    else:
        del form.coach
    return form


@bp.get("")
@login_required
def index() -> Any:
    return render_template(
        "cohorts/index.html",
        cohorts=service.visible_cohorts(db.session, current_user),
        join_form=forms.JoinForm(formdata=None),
        can_join=policies.can_join(current_user),
        can_create=policies.can_create(current_user),
    )


@bp.post("/join")
@login_required
def join() -> Any:
    if not policies.can_join(current_user):
        abort(404)  # nobody else has the form
    form = forms.JoinForm()
    if form.validate_on_submit():
        joined: list[Cohort] = []
        with saving(form) as saved:
            joined.append(service.join(db.session, current_user, form.code.data or ""))
        if saved.ok:
            flash(_("Welcome to the cohort."), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=joined[0].id), 303)
    page = render_template(
        "cohorts/index.html",
        cohorts=service.visible_cohorts(db.session, current_user),
        join_form=form,
        can_join=policies.can_join(current_user),
        can_create=policies.can_create(current_user),
    )
    return page, 422


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if not policies.can_create(current_user):
        abort(404)
    form = _cohort_form()
    if form.validate_on_submit():
        made: list[Cohort] = []
        coach = None
        if form.coach is not None and form.coach.data:
            coach = db.session.get(User, form.coach.data)
        with saving(form) as saved:
            made.append(
                service.create(
                    db.session,
                    current_user,
                    name=form.name.data or "",
                    description=form.description.data or "",
                    starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data,
                    module_slugs=list(form.modules.data or []),
                    coach=coach,
                )
            )
        if saved.ok:
            flash(_("The cohort is ready. Add members or share its code."), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=made[0].id), 303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("cohorts/new.html", form=form), status


def _cohort_page(
    cohort: Cohort,
    member_form: forms.MemberForm | None = None,
    session_form: forms.SessionForm | None = None,
    status: int = 200,
) -> Any:
    manages = policies.can_manage(current_user, cohort)
    return (
        render_template(
            "cohorts/cohort.html",
            cohort=cohort,
            modules=dict(service.module_choices(db.session)),
            sessions=service.sessions_of(db.session, cohort),
            members=service.members(db.session, cohort),
            manages=manages,
            takes_attendance=policies.can_take_attendance(current_user, cohort),
            # The discussion is its members' (the coach's too); a district
            # administrator runs the cohort without reading it.
            can_discuss=communities.can_see(db.session, current_user, cohort.community),
            member_form=member_form or forms.MemberForm(formdata=None),
            session_form=session_form or forms.SessionForm(formdata=None),
            zone_label=timezones.zone_label(timezones.zone_name_for(current_user)),
            now=utcnow(),
            feed_url=url_for(
                "cohorts.calendar_feed",
                cohort_id=cohort.id,
                token=cohort.calendar_token,
                _external=True,
            ),
        ),
        status,
    )


@bp.get("/<int:cohort_id>")
@login_required
def cohort(cohort_id: int) -> Any:
    return _cohort_page(_cohort(cohort_id))


@bp.post("/<int:cohort_id>/members")
@login_required
def add_member(cohort_id: int) -> Any:
    found = _cohort(cohort_id)
    if not policies.can_manage(current_user, found):
        abort(404)
    form = forms.MemberForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            person = service.add_member(
                db.session, current_user, found, form.email.data or ""
            )
            name = person.name
        if saved.ok:
            flash(_("%(name)s is now a member.", name=name), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=found.id), 303)
    return _cohort_page(found, member_form=form, status=422)


@bp.post("/<int:cohort_id>/members/<int:user_id>/remove")
@login_required
def remove_member(cohort_id: int, user_id: int) -> Any:
    found = _cohort(cohort_id)
    if not policies.can_manage(current_user, found):
        abort(404)
    try:
        person = service.member_of(db.session, found, user_id)
    except NotFound:
        abort(404)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    name = person.name
    with saving(form) as saved:
        service.remove_member(db.session, current_user, found, person)
    if saved.ok:
        flash(_("%(name)s is no longer a member. We told them.", name=name), "success")
    return redirect(
        url_for("cohorts.cohort", cohort_id=found.id, _anchor="members"), 303
    )


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cohort_id: int) -> Any:
    found = _cohort(cohort_id)
    if not policies.can_manage(current_user, found):
        abort(404)
    form = forms.CohortForm(
        data={
            "name": found.name,
            "description": found.description,
            "starts_on": found.starts_on,
            "ends_on": found.ends_on,
            "modules": [m.module_slug for m in found.modules],
        }
        if request.method == "GET"
        else None
    )
    form.modules.choices = service.module_choices(db.session)
    del form.coach
    if form.validate_on_submit():
        with saving(form) as saved:
            service.update(
                db.session,
                current_user,
                found,
                name=form.name.data or "",
                description=form.description.data or "",
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                module_slugs=list(form.modules.data or []),
            )
        if saved.ok:
            flash(_("The cohort is saved."), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=found.id), 303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("cohorts/edit.html", form=form, cohort=found), status


@bp.post("/<int:cohort_id>/sessions")
@login_required
def add_session(cohort_id: int) -> Any:
    found = _cohort(cohort_id)
    if not policies.can_manage(current_user, found):
        abort(404)
    form = forms.SessionForm()
    if form.validate_on_submit():
        starts_at = timezones.local_moment(
            form.day.data,
            form.start.data,
            timezones.zone_for(current_user),
        )
        with saving(form) as saved:
            service.add_session(
                db.session,
                current_user,
                found,
                starts_at=starts_at,
                duration_minutes=form.duration.data or 0,
                place=form.place.data or "",
                agenda=form.agenda.data or "",
            )
        if saved.ok:
            flash(_("The session is on the schedule."), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=found.id), 303)
    return _cohort_page(found, session_form=form, status=422)


@bp.route(
    "/<int:cohort_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"]
)
@login_required
def attendance(cohort_id: int, session_id: int) -> Any:
    found = _cohort(cohort_id)
    if not policies.can_manage(current_user, found):
        abort(404)
    meeting = _meeting(found, session_id)
    form = forms.AttendanceForm()
    takes = policies.can_take_attendance(current_user, found)
    if request.method == "POST":
        if not takes:
            abort(403)
        if form.validate_on_submit():
            present = {int(v) for v in request.form.getlist("present") if v.isdigit()}
            with saving(form) as saved:
                service.record_attendance(
                    db.session, current_user, found, meeting, present
                )
            if saved.ok:
                flash(_("Attendance saved."), "success")
                return redirect(
                    url_for(
                        "cohorts.attendance", cohort_id=found.id, session_id=meeting.id
                    ),
                    303,
                )
    return render_template(
        "cohorts/attendance.html",
        cohort=found,
        meeting=meeting,
        members=service.members(db.session, found),
        recorded=service.attendance(db.session, meeting),
        form=form,
        takes_attendance=takes,
    )


@bp.get("/<int:cohort_id>/progress")
@login_required
def progress(cohort_id: int) -> Any:
    found = _cohort(cohort_id)
    if not policies.can_manage(current_user, found):
        abort(404)
    shown = service.progress(db.session, found)
    return render_template(
        "cohorts/progress.html",
        cohort=found,
        progress=shown,
        # The coach writes to the members they coach from here.
        writable=coaching.served_among(
            db.session, current_user, [row.person.id for row in shown.rows]
        ),
    )


@bp.get("/<int:cohort_id>/calendar.ics")
def calendar_feed(cohort_id: int) -> Any:
    """The cohort's sessions for calendar apps: signed in as someone who may see the
    cohort, or with the feed's secret token (calendar apps can't sign in)."""
    token = request.args.get("token", "")
    if token:
        try:
            found = service.by_calendar_token(db.session, cohort_id, token)
        except NotFound:
            abort(404)
    elif current_user.is_authenticated:
        found = _cohort(cohort_id)
    else:
        abort(404)
    host = urlsplit(current_app.config["PDHUB_BASE_URL"]).hostname or "pdhub"
    body = calendar.feed(found, service.sessions_of(db.session, found), host, utcnow())
    return Response(
        body,
        content_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="cohort-{found.id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )
