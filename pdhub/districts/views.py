"""District administrator pages: overview, time zone, schools, staff and roles,
invitations."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from pdhub.accounts import languages, timezones
from pdhub.accounts import service as accounts
from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm, DistrictLanguageForm
from pdhub.accounts.models import Role, User
from pdhub.accounts.policies import DISTRICT_GRANTABLE, can_sign_out_everywhere
from pdhub.districts import (
    assignments,
    charts,
    dashboard,
    forms,
    integrations,
    ledger,
    policies,
    roster,
    service,
)
from pdhub.districts.labels import role_in_sentence, role_name
from pdhub.districts.models import (
    Assignment,
    AssignmentTarget,
    District,
    Invitation,
    RosterImport,
    RosterImportStatus,
    School,
)
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.exports import csv_response, csv_stream, csv_text
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.i18n import language_name
from pdhub.templating import NAVIGATION, NavItem

bp = Blueprint("districts", __name__, url_prefix="/district")

NAVIGATION.append(
    NavItem(
        _l("Staff progress"),
        "districts.staff_progress",
        frozenset({Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}),
    )
)
NAVIGATION.append(
    NavItem(
        _l("Assignments"),
        "districts.assignments_page",
        frozenset({Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}),
    )
)
NAVIGATION.append(
    NavItem(
        _l("Import staff"), "districts.roster_page", frozenset({Role.DISTRICT_ADMIN})
    )
)


def _my_district() -> District:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    return district


def _invite_form(district: District) -> forms.InviteForm:
    form = forms.InviteForm(prefix="invite")
    form.school.choices = [SelectChoice("", _("No particular school"))] + [
        SelectChoice(str(school.id), school.name) for school in district.schools
    ]
    return form


def _slug_arg() -> str | None:
    """The module filter: a slug as the catalog writes them, or none."""
    value = request.args.get("module", "").strip()
    return value if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}", value) else None


def _dashboard_filters() -> dashboard.Filters:
    def number(name: str) -> int | None:
        value = request.args.get(name, "")
        return int(value) if value.isdigit() and len(value) < 10 else None

    return dashboard.Filters(
        school_id=number("school"),
        module_slug=_slug_arg(),
        year=number("year"),
    )


def _dashboard() -> dashboard.Dashboard:
    found = dashboard.dashboard(db.session, _scope(), _dashboard_filters())
    if found is None:
        abort(404)
    return found


def _target_form(board: dashboard.Dashboard) -> forms.HoursTargetForm:
    form = forms.HoursTargetForm(
        prefix="target",
        data={"year": board.year, "hours": board.target},
    )
    form.year.choices = [
        SelectChoice(year, label)
        for year, label in ledger.year_choices(board.district, board.policy)
    ]
    return form


def _filter_args(board: dashboard.Dashboard) -> dict[str, Any]:
    """The filters as query arguments, for links and the CSV downloads."""
    args: dict[str, Any] = {"year": board.year}
    if board.filters.school_id and current_user.role is not Role.SCHOOL_LEADER:
        args["school"] = board.filters.school_id
    if board.filters.module_slug:
        args["module"] = board.filters.module_slug
    return args


def _people_page(name: str = "people") -> int:
    value = request.args.get(name, "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _render_overview(
    district: District, board: dashboard.Dashboard | None = None, **forms_: Any
) -> str:
    board = board or _dashboard()
    if current_user.role is Role.SCHOOL_LEADER:
        return render_template(
            "districts/overview.html",
            district=district,
            board=board,
            charts=_charts(board),
            args=_filter_args(board),
            years=ledger.year_choices(board.district, board.policy),
            manage=False,
        )
    return render_template(
        "districts/overview.html",
        district=district,
        board=board,
        charts=_charts(board),
        args=_filter_args(board),
        manage=True,
        target_form=forms_.get("target_form") or _target_form(board),
        people=service.staff_page(db.session, district, _people_page()),
        invitations=service.open_invitations(db.session, district),
        counts=service.school_counts(db.session, district),
        school_form=forms_.get("school_form") or forms.SchoolForm(prefix="school"),
        invite_form=forms_.get("invite_form") or _invite_form(district),
        time_zone_form=forms_.get("time_zone_form")
        or forms.DistrictTimeZoneForm(prefix="tz", obj=district),
        confirm_form=ConfirmForm(prefix="c"),
    )


def _charts(board: dashboard.Dashboard) -> dict[str, Any]:
    """Each table's chart: the SVG drawn from the same rows the table shows."""
    year = board.year_label
    descriptions = {
        "schools": _(
            "The share of enrollments completed in %(year)s, per school.", year=year
        ),
        "modules": _(
            "The share of enrollments completed in %(year)s, per module.", year=year
        ),
        "badges": _("Badges earned each month of %(year)s.", year=year),
        "overdue": _("People late on each assignment past its due date."),
        "hours": (
            _(
                "Average hours per teacher in %(year)s, per school; the line is the "
                "district's target of %(target)s hours.",
                year=year,
                target=format_decimal(board.target),
            )
            if board.target
            else _("Average hours per teacher in %(year)s, per school.", year=year)
        ),
        "turnaround": _(
            "Median days from submission to the coach's decision, per school."
        ),
    }
    made = {}

    def percent(value: float) -> str:
        return str(format_percent(value))

    def decimal(value: float) -> str:
        return str(format_decimal(value))

    for name, table in board.tables.items():
        made[name] = charts.bar_chart(
            table.title,
            descriptions[name],
            [
                (
                    str(row[0]),
                    float(row[table.chart_column])  # type: ignore[arg-type]
                    if row[table.chart_column] is not None
                    else None,
                )
                for row in table.rows
            ],
            maximum=table.chart_max,
            show=percent if table.percent else decimal,
            chart_id=f"chart-{name}",
        )
    return made


@bp.get("")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def overview() -> Any:
    """The dashboard (a school leader sees their school only); the district
    administrator also manages the district below it."""
    scope = _scope()
    district = db.session.get(District, scope.district_id)
    if district is None:
        abort(404)
    return _render_overview(district)


@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def dashboard_csv() -> Any:
    """Each dashboard table as CSV at /district.csv?table=<name> (same filters);
    without a name, the first table (completion by school)."""
    name = request.args.get("table", "") or dashboard.TABLES[0]
    if name not in dashboard.TABLES:
        return render_template(
            "errors/error.html",
            status=404,
            title=_("There is no such table"),
            detail=_(
                "The dashboard's tables are: %(names)s.",
                names=", ".join(dashboard.TABLES),
            ),
            advice=_("Use a download link on the dashboard."),
        ), 404
    board = _dashboard()
    table = board.tables[name]
    return csv_response(csv_text(table.header, table.rows), f"{name}-{board.year}.csv")


# /district.csv sits beside the blueprint's prefix, not under it.
bp.record_once(
    lambda state: state.app.add_url_rule(
        "/district.csv", "districts.dashboard_csv", dashboard_csv, methods=["GET"]
    )
)


@bp.get("/integrations")
@roles_required(Role.DISTRICT_ADMIN)
def integrations_page() -> Any:
    """The connections to the district's other systems, each with its own page."""
    kind, where = integrations.file_store()
    return render_template(
        "districts/integrations.html",
        connections=integrations.available(),
        store_kind=kind,
        store_where=where,
    )


@bp.post("/hours-target")
@roles_required(Role.DISTRICT_ADMIN)
def set_hours_target() -> Any:
    district = _my_district()
    board = _dashboard()
    form = _target_form(board)
    if form.validate_on_submit():
        with saving(form) as saved:
            dashboard.set_target(
                db.session,
                current_user,
                district,
                int(form.year.data),
                float(form.hours.data),
            )
        if saved.ok:
            flash(_("The hours target is saved."), "success")
            return redirect(
                url_for("districts.overview", year=form.year.data) + "#hours", 303
            )
    return _render_overview(district, board, target_form=form), 422


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
            flash(_("%(school)s is added.", school=school.name), "success")
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
            flash(_("The school is renamed."), "success")
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
                _(
                    "The district's time zone is saved: %(zone)s.",
                    zone=timezones.zone_label(district.time_zone),
                ),
                "success",
            )
            return redirect(url_for("districts.overview") + "#time-zone", 303)
    return _render_overview(district, time_zone_form=form), 422


@bp.post("/language")
@roles_required(Role.DISTRICT_ADMIN)
def set_language() -> Any:
    """The district's default language; like the time zone, only one's own."""
    district = _my_district()
    form = DistrictLanguageForm()
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
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
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
        flash(_("The invitation link no longer works."), "info")
    return redirect(url_for("districts.overview") + "#invitations", 303)


@bp.post("/join-code")
@roles_required(Role.DISTRICT_ADMIN)
def new_join_code() -> Any:
    if ConfirmForm(prefix="c").validate_on_submit():
        code = service.regenerate_join_code(db.session, current_user, _my_district())
        db.session.commit()
        flash(
            _("The new join code is %(code)s. The old one no longer works.", code=code),
            "info",
        )
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
        member.role in DISTRICT_GRANTABLE and member.id != current_user.id
    )
    if editable and form.validate_on_submit():
        with saving(form) as saved:
            accounts.set_role(db.session, current_user, member, Role(form.role.data))
        if saved.ok:
            flash(
                _(
                    "%(name)s is now %(role)s.",
                    name=member.name,
                    role=role_in_sentence(member.role),
                ),
                "success",
            )
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
        flash(
            ngettext(
                "%(name)s is signed out everywhere (%(num)d session).",
                "%(name)s is signed out everywhere (%(num)d sessions).",
                ended,
                name=member.name,
            ),
            "info",
        )
    if current_user.role is Role.ADMIN:
        return redirect(url_for("admin.user", user_id=member.id), 303)
    return redirect(url_for("districts.staff_member", user_id=member.id), 303)


# --- labels and the teacher's assigned modules, for every template ----------------


@bp.app_template_global("role_name")
def _role_name(role: Role | str) -> str:
    return str(role_name(role))


@bp.app_template_global("role_in_sentence")
def _role_in_sentence(role: Role | str) -> str:
    return role_in_sentence(role)


@bp.app_template_global("import_status")
def import_status(item: RosterImport) -> str:
    if item.status is RosterImportStatus.PREVIEW:
        return str(_("Needs corrections") if item.problems else _("Ready to apply"))
    return str(
        {
            RosterImportStatus.QUEUED: _("Waiting to start"),
            RosterImportStatus.APPLYING: _("Applying"),
            RosterImportStatus.DONE: _("Applied"),
            RosterImportStatus.FAILED: _("Stopped"),
        }[item.status]
    )


bp.add_app_template_global(format_decimal, "format_decimal")
bp.add_app_template_global(format_percent, "format_percent")


@bp.app_template_global("assigned_modules")
def assigned_modules() -> list[assignments.Assigned]:
    """The signed-in teacher's assigned modules (My learning, the catalog)."""
    if not current_user.is_authenticated:
        return []
    return assignments.assigned_to(db.session, current_user)


# --- roster imports ---------------------------------------------------------------


def _upload(field: Any) -> tuple[str, bytes] | None:
    storage = field.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.filename, storage.read(roster.MAX_UPLOAD_BYTES + 1)


@bp.route("/roster", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def roster_page() -> Any:
    district = _my_district()
    form = forms.RosterUploadForm()
    if form.validate_on_submit():
        users = _upload(form.users)
        if users is None:
            form.users.errors = [_("Choose the staff file to upload.")]
        else:
            with saving(form) as saved:
                preview = roster.create_preview(
                    db.session, current_user, district, users, _upload(form.orgs)
                )
            if saved.ok:
                return redirect(
                    url_for("districts.roster_import", import_id=preview.id), 303
                )
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "districts/roster.html",
        form=form,
        imports=roster.recent_imports(db.session, district),
    ), status


@bp.get("/roster/<int:import_id>")
@roles_required(Role.DISTRICT_ADMIN)
def roster_import(import_id: int) -> Any:
    district = _my_district()
    try:
        item = roster.get_import(db.session, district, import_id)
    except NotFound:
        abort(404)
    summary = (
        roster.summarize(db.session, item)
        if item.status is RosterImportStatus.PREVIEW and not item.problems
        else None
    )
    return render_template(
        "districts/roster_import.html",
        item=item,
        summary=summary,
        confirm_form=ConfirmForm(prefix="c"),
        Status=RosterImportStatus,
    )


@bp.post("/roster/<int:import_id>/apply")
@roles_required(Role.DISTRICT_ADMIN)
def apply_roster(import_id: int) -> Any:
    district = _my_district()
    try:
        item = roster.get_import(db.session, district, import_id)
    except NotFound:
        abort(404)
    if ConfirmForm(prefix="c").validate_on_submit():
        with saving() as saved:
            roster.confirm(db.session, current_user, item)
        if saved.ok:
            flash(_("The roster is being applied."), "info")
    return redirect(url_for("districts.roster_import", import_id=import_id), 303)


# --- assignments and staff progress -------------------------------------------------


def _scope() -> assignments.Scope:
    try:
        return assignments.scope_for(current_user)
    except PermissionDenied:
        abort(404)


def _assignment_form(district: District) -> forms.AssignmentForm:
    form = forms.AssignmentForm()
    form.module.choices = [
        SelectChoice(slug, title)
        for slug, title in assignments.module_choices(db.session)
    ]
    form.school.choices = [SelectChoice("", _("Choose a school"))] + [
        SelectChoice(str(school.id), school.name) for school in district.schools
    ]
    return form


def _people(district: District, text: str) -> list[User]:
    emails = [
        accounts.normalize_email(line)
        for line in text.replace(",", "\n").splitlines()
        if line.strip()
    ]
    found = {
        user.email: user
        for user in db.session.scalars(
            select(User).where(
                User.district_id == district.id,
                User.email.in_(emails),
                User.role.in_(assignments.LEARNERS),
            )
        )
    }
    unknown = [email for email in emails if email not in found]
    if unknown:
        raise InvalidInput(
            _(
                "Not a teacher in your district: %(emails)s.",
                emails=", ".join(unknown[:10]),
            ),
            field="people",
        )
    return list(found.values())


@bp.route("/assignments", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def assignments_page() -> Any:
    scope = _scope()
    district = db.session.get(District, scope.district_id)
    if district is None:
        abort(404)
    can_assign = current_user.role is Role.DISTRICT_ADMIN
    form = _assignment_form(district) if can_assign else None
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            with saving(form) as saved:
                target = AssignmentTarget(form.target.data)
                school = (
                    service.get_school(db.session, district, int(form.school.data))
                    if target is AssignmentTarget.SCHOOL and form.school.data
                    else None
                )
                people = (
                    _people(district, form.people.data or "")
                    if target is AssignmentTarget.PEOPLE
                    else None
                )
                assignments.create(
                    db.session,
                    current_user,
                    district,
                    module_slug=form.module.data,
                    due_date=form.due.data,
                    target=target,
                    school=school,
                    people=people,
                )
            if saved.ok:
                flash(_("The module is assigned."), "success")
                return redirect(url_for("districts.assignments_page"), 303)
    status = 422 if form is not None and (form.errors or form.form_errors) else 200
    return render_template(
        "districts/assignments.html",
        district=district,
        totals=assignments.totals(db.session, scope),
        form=form,
        confirm_form=ConfirmForm(prefix="c"),
        school_only=scope.school_only,
    ), status


@bp.post("/assignments/<int:assignment_id>/cancel")
@roles_required(Role.DISTRICT_ADMIN)
def cancel_assignment(assignment_id: int) -> Any:
    scope = _scope()
    try:
        assignment = assignments.get(db.session, scope, assignment_id)
    except NotFound:
        abort(404)
    if ConfirmForm(prefix="c").validate_on_submit():
        with saving():
            assignments.cancel(db.session, current_user, assignment)
        flash(_("The assignment is withdrawn."), "info")
    return redirect(url_for("districts.assignments_page"), 303)


@bp.get("/assignments.csv")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def assignments_csv() -> Any:
    scope = _scope()
    rows = [
        (
            item.module_title,
            item.assignment.due_date.isoformat(),
            _target_label(item.assignment),
            item.assigned,
            item.done,
            item.on_track,
            item.late,
        )
        for item in assignments.totals(db.session, scope)
    ]
    header = [
        _("Module"),
        _("Due date"),
        _("Assigned to"),
        _("People"),
        _("Done"),
        _("On track"),
        _("Late"),
    ]
    return csv_response(csv_text(header, rows), "assignments.csv")


def _target_label(assignment: Assignment) -> str:
    if assignment.target is AssignmentTarget.SCHOOL and assignment.school:
        return assignment.school.name
    if assignment.target is AssignmentTarget.PEOPLE:
        return str(ngettext("%(num)d person", "%(num)d people", len(assignment.people)))
    return str(_("Every teacher"))


def _filters(scope: assignments.Scope) -> assignments.Filters:
    def number(name: str) -> int | None:
        value = request.args.get(name, "")
        return int(value) if value.isdigit() else None

    standing = request.args.get("status", "")
    return assignments.Filters(
        school_id=None if scope.school_only else number("school"),
        standing=(
            assignments.Standing(standing)
            if standing in {s.value for s in assignments.Standing}
            else None
        ),
        assignment_id=number("assignment"),
        module_slug=_slug_arg(),
    )


#: Rows shown on each page of the staff list (the page stays under 60 KB); the CSV
#: has all of them.
STAFF_PAGE_ROWS = 100


@bp.get("/staff")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def staff_progress() -> Any:
    scope = _scope()
    district = db.session.get(District, scope.district_id)
    if district is None:
        abort(404)
    filters = _filters(scope)
    total = assignments.progress_count(db.session, scope, filters)
    pages = max(1, -(-total // STAFF_PAGE_ROWS))
    page = min(_people_page("page"), pages)
    start = (page - 1) * STAFF_PAGE_ROWS
    # The filters, for the pager and CSV links (never url_for's own _options).
    args = {
        key: value
        for key, value in request.args.items()
        if key != "page" and not key.startswith("_")
    }
    return render_template(
        "districts/staff_progress.html",
        district=district,
        rows=assignments.progress_page(
            db.session, scope, filters, start, STAFF_PAGE_ROWS
        ),
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        school_only=scope.school_only,
        school=db.session.get(School, scope.school_id or 0),
        active=assignments.active_assignments(db.session, scope.district_id),
        choices=assignments.STANDING_CHOICES,
        args=args,
    )


@bp.get("/staff.csv")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def staff_progress_csv() -> Any:
    """Every row of the staff list, streamed: rows are read from a server-side
    cursor and written as they come, so a district of any size downloads in flat
    memory."""
    scope = _scope()
    filters = _filters(scope)
    header = [
        _("Name"),
        _("Email"),
        _("School"),
        _("Module"),
        _("Due date"),
        _("Status"),
        _("Completed on"),
    ]
    # Each status's words once, in the reader's language (not once per row).
    labels = {standing: standing.label for standing in assignments.Standing}
    rows = (
        (
            line.name,
            line.email,
            line.school,
            line.module_title,
            line.due_date.isoformat(),
            labels[line.standing],
            line.completed_at.date().isoformat() if line.completed_at else "",
        )
        for line in assignments.progress_lines(db.session, scope, filters)
    )
    return csv_stream(header, rows, "staff.csv")
