"""The district's equity work at /district/equity: the team, the self-assessment
cycles (ratings side by side, the consensus, change over time) and the plan."""

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role, User
from pdhub.districts import service as district_service
from pdhub.districts.models import District
from pdhub.equity import chart, forms, gaps, plan, policies, service
from pdhub.equity.instrument import Instrument, current
from pdhub.equity.models import ActionStatus, EquityAction, EquityCycle, TeamRole
from pdhub.errors import InvalidInput, PermissionDenied
from pdhub.exports import csv_response
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.templating import NAVIGATION, NavItem

bp = Blueprint("equity", __name__, url_prefix="/district/equity")

NAVIGATION.append(
    NavItem(
        _l("Digital equity"),
        "equity.overview",
        frozenset({Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}),
    )
)

#: Everyone who may be on a district's team; each view then checks the policy.
DISTRICT_PEOPLE = (Role.TEACHER, Role.COACH, Role.SCHOOL_LEADER, Role.DISTRICT_ADMIN)


def _district() -> District:
    """The viewer's own district, if they may see its equity work."""
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    if not policies.can_view(db.session, current_user, district):
        raise PermissionDenied(
            _("Only your district's administrators and its equity team see this page.")
        )
    return district


def _require_plan_editor(district: District) -> None:
    if not policies.can_edit_plan(db.session, current_user, district):
        raise PermissionDenied(_("Only the district's equity team edits its plan."))


def _rights(district: District) -> dict[str, Any]:
    role = policies.team_role(db.session, current_user, district)
    return {
        "team_role": role,
        "can_manage_team": policies.can_manage_team(current_user, district),
        "can_edit_plan": policies.can_edit_plan(db.session, current_user, district),
        "can_start_cycle": policies.can_start_cycle(db.session, current_user, district),
        "can_rate": role is not None,
        "can_record_consensus": role is TeamRole.LEAD,
    }


def _member_form(
    district: District, form: forms.AddMemberForm | None = None
) -> forms.AddMemberForm:
    form = form or forms.AddMemberForm(prefix="member")
    form.person.choices = [
        SelectChoice(str(u.id), f"{u.name} ({u.email})")
        for u in service.staff_choices(db.session, district)
    ]
    return form


def _gap_form(district: District, **kwargs: Any) -> forms.GapAssignForm:
    form = forms.GapAssignForm(**kwargs)
    form.school.choices = [SelectChoice("", _("Every teacher in the district"))] + [
        SelectChoice(str(school.id), school.name) for school in district.schools
    ]
    return form


def _render_overview(district: District, **forms_: Any) -> str:
    instrument = current()
    assessed, recommended = gaps.recommendations(db.session, district, instrument)
    cycle = service.current_cycle(db.session, district)
    summaries = service.change_over_time(db.session, district, instrument)
    members = service.team(db.session, district)
    shared = service.submitted(db.session, cycle) if cycle else []
    return render_template(
        "equity/overview.html",
        district=district,
        instrument=instrument,
        members=members,
        cycle=cycle,
        cycles=list(reversed(summaries)),
        submitted_ids={a.user_id for a in shared},
        my_assessment=service.assessment_of(db.session, cycle, current_user)
        if cycle
        else None,
        area_chart=chart.line_chart(
            summaries, instrument, by="area", title=_("Consensus by area")
        ),
        divide_chart=chart.line_chart(
            summaries, instrument, by="divide", title=_("Consensus by divide")
        ),
        summaries=summaries,
        assessed=assessed,
        recommended=recommended,
        gap_form=forms_.get("gap_form") or _gap_form(district),
        can_assign=policies.can_manage_team(current_user, district),
        member_form=forms_.get("member_form") or _member_form(district),
        cycle_form=forms_.get("cycle_form") or forms.CycleForm(prefix="cycle"),
        role_form=forms.MemberRoleForm(prefix="role"),
        confirm_form=ConfirmForm(prefix="c"),
        **_rights(district),
    )


@bp.get("")
@roles_required(*DISTRICT_PEOPLE)
def overview() -> Any:
    return _render_overview(_district())


@bp.post("/team")
@roles_required(Role.DISTRICT_ADMIN)
def add_member() -> Any:
    district = _district()
    form = _member_form(district)
    if form.validate_on_submit():
        person = db.session.get(User, int(form.person.data or 0))
        with saving(form) as saved:
            if person is None:
                raise InvalidInput(
                    _("Choose someone on your district's staff."), field="person"
                )
            service.add_member(
                db.session, current_user, district, person, TeamRole(form.role.data)
            )
        if saved.ok:
            flash(
                _(
                    "%(name)s is on the equity team.",
                    name=person.name if person else "",
                ),
                "success",
            )
            return redirect(url_for("equity.overview") + "#team", 303)
    return _render_overview(district, member_form=form), 422


@bp.post("/assign")
@roles_required(Role.DISTRICT_ADMIN)
def assign_recommended() -> Any:
    """Assign a module recommended for a gap, in one step."""
    district = _district()
    form = _gap_form(district)
    if form.validate_on_submit():
        with saving(form) as saved:
            school = district_service.get_school(
                db.session,
                district,
                int(form.school.data) if form.school.data else None,
            )
            gaps.assign(
                db.session, current_user, district, current(),
                module_slug=form.module.data or "", due_date=form.due.data,
                school=school,
            )  # fmt: skip
        if saved.ok:
            flash(
                _(
                    "The module is assigned. Teachers see it first on their learning "
                    "page."
                ),
                "success",
            )
            return redirect(url_for("equity.overview") + "#gaps", 303)
    return _render_overview(district, gap_form=form), 422


@bp.post("/team/<int:member_id>/role")
@roles_required(Role.DISTRICT_ADMIN)
def set_member_role(member_id: int) -> Any:
    district = _district()
    member = service.get_member(db.session, district, member_id)
    form = forms.MemberRoleForm(prefix="role")
    if form.validate_on_submit():
        with saving() as saved:
            service.set_role(db.session, current_user, member, TeamRole(form.role.data))
        if saved.ok:
            flash(_("The role is saved."), "success")
    else:
        flash(_("Choose lead or member."), "error")
    return redirect(url_for("equity.overview") + "#team", 303)


@bp.post("/team/<int:member_id>/remove")
@roles_required(Role.DISTRICT_ADMIN)
def remove_member(member_id: int) -> Any:
    district = _district()
    member = service.get_member(db.session, district, member_id)
    if ConfirmForm(prefix="c").validate_on_submit():
        with saving() as saved:
            service.remove_member(db.session, current_user, member)
        if saved.ok:
            flash(_("They are no longer on the team."), "success")
    return redirect(url_for("equity.overview") + "#team", 303)


@bp.post("/cycles")
@roles_required(*DISTRICT_PEOPLE)
def start_cycle() -> Any:
    district = _district()
    if not policies.can_start_cycle(db.session, current_user, district):
        raise PermissionDenied(
            _("Only an administrator or the team lead starts a cycle.")
        )
    form = forms.CycleForm(prefix="cycle")
    if form.validate_on_submit():
        with saving(form) as saved:
            cycle = service.start_cycle(
                db.session, current_user, district, form.name.data or "", current()
            )
        if saved.ok:
            flash(
                _(
                    "%(name)s has started. The team can rate the indicators now.",
                    name=cycle.name,
                ),
                "success",
            )
            return redirect(url_for("equity.overview"), 303)
    return _render_overview(district, cycle_form=form), 422


# --- ratings and consensus ---------------------------------------------------------


def _ratings_from(
    form: forms.RatingsForm, instrument: Instrument
) -> dict[str, service.RatingInput]:
    ratings = {}
    for indicator in instrument.indicators:
        level, comment, evidence = form.indicator_fields(indicator.id)
        ratings[indicator.id] = service.RatingInput(
            int(level.data) if level.data not in (None, "") else None,
            comment.data or "",
            evidence.data or "",
        )
    return ratings


@bp.route("/cycles/<int:cycle_id>/rate", methods=["GET", "POST"])
@roles_required(*DISTRICT_PEOPLE)
def rate(cycle_id: int) -> Any:
    district = _district()
    cycle = service.get_cycle(db.session, district, cycle_id)
    if not policies.can_rate(db.session, current_user, district):
        raise PermissionDenied(
            _("Only members of the equity team rate the indicators.")
        )
    instrument = current()
    mine = service.assessment_of(db.session, cycle, current_user)
    data: dict[str, Any] = {}
    for rating in mine.ratings if mine else []:
        data[f"level_{rating.indicator_id}"] = (
            "" if rating.level is None else str(rating.level)
        )
        data[f"comment_{rating.indicator_id}"] = rating.comment
        data[f"evidence_{rating.indicator_id}"] = rating.evidence
    form = forms.ratings_form(instrument, data=data)
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        with saving(form) as saved:
            service.save_ratings(
                db.session, current_user, cycle, instrument,
                _ratings_from(form, instrument), submit=submit,
            )  # fmt: skip
        if saved.ok:
            flash(
                _("Your ratings are shared with the team.")
                if submit
                else _(
                    "Your ratings are saved. Only you see them until you share them."
                ),
                "success",
            )
            return redirect(
                url_for("equity.cycle", cycle_id=cycle.id)
                if submit
                else url_for("equity.rate", cycle_id=cycle.id),
                303,
            )
    return render_template(
        "equity/rate.html",
        district=district,
        cycle=cycle,
        instrument=instrument,
        form=form,
        mine=mine,
        open=service.is_open(db.session, cycle),
    ), (422 if form.errors else 200)


@bp.get("/cycles/<int:cycle_id>")
@roles_required(*DISTRICT_PEOPLE)
def cycle(cycle_id: int) -> Any:
    district = _district()
    found = service.get_cycle(db.session, district, cycle_id)
    return _render_cycle(district, found)


def _render_cycle(
    district: District, found: EquityCycle, form: forms.ConsensusForm | None = None
) -> Any:
    instrument = current()
    agreed = service.consensus(db.session, found)
    rights = _rights(district)
    if form is None and rights["can_record_consensus"]:
        data: dict[str, Any] = {}
        for indicator_id, row in agreed.items():
            data[f"level_{indicator_id}"] = str(row.level)
            data[f"note_{indicator_id}"] = row.note
        form = forms.consensus_form(instrument, data=data)
    assessments = service.submitted(db.session, found)
    ratings = {(a.user_id, r.indicator_id): r for a in assessments for r in a.ratings}
    return render_template(
        "equity/cycle.html",
        district=district,
        cycle=found,
        instrument=instrument,
        assessments=assessments,
        ratings=ratings,
        agreed=agreed,
        form=form,
        open=service.is_open(db.session, found),
        **rights,
    ), (422 if form is not None and form.errors else 200)


@bp.post("/cycles/<int:cycle_id>/consensus")
@roles_required(*DISTRICT_PEOPLE)
def record_consensus(cycle_id: int) -> Any:
    district = _district()
    found = service.get_cycle(db.session, district, cycle_id)
    if not policies.can_record_consensus(db.session, current_user, district):
        raise PermissionDenied(_("Only the team lead records the consensus."))
    instrument = current()
    form = forms.consensus_form(instrument)
    if form.validate_on_submit():
        values = {}
        for indicator in instrument.indicators:
            level, note = form.indicator_fields(indicator.id)
            values[indicator.id] = (
                int(level.data) if level.data not in (None, "") else None,
                note.data or "",
            )
        with saving(form) as saved:
            count = service.record_consensus(
                db.session, current_user, found, instrument, values
            )
        if saved.ok:
            flash(
                _("The team's ratings are saved (%(count)d of %(total)d indicators).",
                  count=count, total=len(instrument.indicators)),
                "success",
            )  # fmt: skip
            return redirect(
                url_for("equity.cycle", cycle_id=found.id) + "#consensus", 303
            )
    return _render_cycle(district, found, form)


# --- the plan ------------------------------------------------------------------------


def _open_cycle(district: District) -> EquityCycle:
    found = service.current_cycle(db.session, district)
    if found is None:
        # The plan belongs to a self-assessment cycle: say so where one is started.
        flash(
            _("Start a self-assessment cycle first: each plan belongs to a cycle."),
            "info",
        )
        abort(redirect(url_for("equity.overview"), 303))
    return found


def _area_choices(instrument: Instrument) -> list[SelectChoice]:
    return [SelectChoice(a.id, a.title) for a in instrument.areas]


def _action_form(
    district: District, instrument: Instrument, **kwargs: Any
) -> forms.ActionForm:
    form = forms.ActionForm(**kwargs)
    form.area.choices = _area_choices(instrument)
    form.owner.choices = [
        SelectChoice(str(m.user_id), m.user.name)
        for m in service.team(db.session, district)
    ]
    return form


def _goal_form(instrument: Instrument, **kwargs: Any) -> forms.GoalForm:
    form = forms.GoalForm(**kwargs)
    form.area.choices = _area_choices(instrument)
    return form


def _render_plan(district: District, **forms_: Any) -> Any:
    instrument = current()
    found = _open_cycle(district)
    book = plan.workbook(db.session, found)
    rights = _rights(district)
    reflection_forms = {
        area.id: forms_.get(f"reflection_{area.id}")
        or forms.reflection_form(
            instrument,
            area.id,
            prefix=f"r-{area.id}",
            data={
                f"answer_{q.id}": book.reflections.get(q.id, "")
                for q in area.reflection
            },
        )
        for area in instrument.areas
    }
    agreed = service.consensus(db.session, found)
    return render_template(
        "equity/plan.html",
        district=district,
        cycle=found,
        instrument=instrument,
        book=book,
        agreed=agreed,
        reflection_forms=reflection_forms,
        goal_form=forms_.get("goal_form") or _goal_form(instrument, prefix="goal"),
        action_form=forms_.get("action_form")
        or _action_form(district, instrument, prefix="action"),
        confirm_form=ConfirmForm(prefix="c"),
        status_label=plan.status_label,
        **rights,
    ), (422 if forms_ else 200)


@bp.get("/plan")
@roles_required(*DISTRICT_PEOPLE)
def plan_page() -> Any:
    return _render_plan(_district())


@bp.post("/plan/reflections/<area_id>")
@roles_required(*DISTRICT_PEOPLE)
def save_reflections(area_id: str) -> Any:
    district = _district()
    _require_plan_editor(district)
    instrument = current()
    if instrument.area(area_id) is None:
        abort(404)
    found = _open_cycle(district)
    form = forms.reflection_form(instrument, area_id, prefix=f"r-{area_id}")
    if form.validate_on_submit():
        area = instrument.area(area_id)
        answers = {
            q.id: form.answer_field(q.id).data or ""
            for q in (area.reflection if area else ())
        }
        with saving(form) as saved:
            plan.save_reflections(
                db.session, current_user, found, instrument, area_id, answers
            )
        if saved.ok:
            flash(_("Your reflections are saved."), "success")
            return redirect(url_for("equity.plan_page") + f"#area-{area_id}", 303)
    return _render_plan(district, **{f"reflection_{area_id}": form})


@bp.post("/plan/goals")
@roles_required(*DISTRICT_PEOPLE)
def add_goal() -> Any:
    district = _district()
    _require_plan_editor(district)
    instrument = current()
    found = _open_cycle(district)
    form = _goal_form(instrument, prefix="goal")
    if form.validate_on_submit():
        with saving(form) as saved:
            plan.add_goal(
                db.session,
                current_user,
                found,
                instrument,
                form.area.data or "",
                form.text.data or "",
            )
        if saved.ok:
            flash(_("The goal is added."), "success")
            return redirect(
                url_for("equity.plan_page") + f"#area-{form.area.data}", 303
            )
    return _render_plan(district, goal_form=form)


@bp.post("/plan/goals/<int:goal_id>/remove")
@roles_required(*DISTRICT_PEOPLE)
def remove_goal(goal_id: int) -> Any:
    district = _district()
    goal = plan.get_goal(db.session, district, goal_id)
    _require_plan_editor(district)
    if ConfirmForm(prefix="c").validate_on_submit():
        with saving() as saved:
            plan.remove_goal(db.session, current_user, goal)
        if saved.ok:
            flash(_("The goal is removed."), "success")
    return redirect(url_for("equity.plan_page"), 303)


def _action_input(form: forms.ActionForm) -> plan.ActionInput:
    return plan.ActionInput(
        area_id=form.area.data or "",
        title=form.title.data or "",
        owner_id=int(form.owner.data or 0),
        due_date=form.due.data,
        status=ActionStatus(form.status.data),
        evidence_url=form.evidence_url.data or "",
    )


@bp.post("/plan/actions")
@roles_required(*DISTRICT_PEOPLE)
def add_action() -> Any:
    district = _district()
    _require_plan_editor(district)
    instrument = current()
    found = _open_cycle(district)
    form = _action_form(district, instrument, prefix="action")
    if form.validate_on_submit():
        with saving(form) as saved:
            plan.add_action(
                db.session, current_user, found, instrument, _action_input(form)
            )
        if saved.ok:
            flash(_("The action item is added."), "success")
            return redirect(
                url_for("equity.plan_page") + f"#area-{form.area.data}", 303
            )
    return _render_plan(district, action_form=form)


@bp.route("/plan/actions/<int:action_id>", methods=["GET", "POST"])
@roles_required(*DISTRICT_PEOPLE)
def edit_action(action_id: int) -> Any:
    district = _district()
    instrument = current()
    action = plan.get_action(db.session, district, action_id)
    _require_plan_editor(district)
    form = _action_form(district, instrument, obj=_ActionData(action))
    if form.validate_on_submit():
        with saving(form) as saved:
            plan.update_action(
                db.session, current_user, action, instrument, _action_input(form)
            )
        if saved.ok:
            flash(_("The action item is saved."), "success")
            return redirect(url_for("equity.plan_page") + f"#action-{action.id}", 303)
    return render_template(
        "equity/action.html", district=district, action=action, form=form
    ), (422 if form.errors else 200)


class _ActionData:
    """An action item as the edit form reads it."""

    def __init__(self, action: EquityAction) -> None:
        self.area = action.area_id
        self.title = action.title
        self.owner = str(action.owner_id or "")
        self.due = action.due_date
        self.status = action.status.value
        self.evidence_url = action.evidence_url


@bp.get("/plan/print")
@roles_required(*DISTRICT_PEOPLE)
def plan_print() -> Any:
    district = _district()
    instrument = current()
    found = _open_cycle(district)
    return render_template(
        "equity/plan_print.html",
        district=district,
        cycle=found,
        instrument=instrument,
        book=plan.workbook(db.session, found),
        status_label=plan.status_label,
    )


@bp.get("/plan.csv")
@roles_required(*DISTRICT_PEOPLE)
def plan_csv() -> Response:
    district = _district()
    found = _open_cycle(district)
    return csv_response(
        plan.plan_csv(plan.workbook(db.session, found), current()), "equity-plan.csv"
    )


@bp.get("/plan.pdf")
@roles_required(*DISTRICT_PEOPLE)
def plan_pdf() -> Response:
    district = _district()
    found = _open_cycle(district)
    body = plan.plan_pdf(district, plan.workbook(db.session, found), current())
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="equity-plan.pdf"'
    return response
