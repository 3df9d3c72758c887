"""Impact pages: a teacher's rating of a module, lesson reports and surveys; the
module's feedback for authors, coaches and districts; the district's impact page
(/district/impact) with its goals and the de-identified research export."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.districts import assignments
from pdhub.districts.charts import bar_chart
from pdhub.districts.models import District
from pdhub.errors import NotFound, PermissionDenied
from pdhub.exports import csv_response, csv_text
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.impact import forms, research, service
from pdhub.impact.models import GoalKind, ImpactGoal, SurveyPhase
from pdhub.learning import localized, policies
from pdhub.learning.models import Enrollment, EnrollmentStatus
from pdhub.templating import NAVIGATION, NavItem

bp = Blueprint("impact", __name__)

NAVIGATION.append(
    NavItem(
        _l("Impact"),
        "impact.district",
        frozenset({Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}),
    )
)


def _enrollment(enrollment_id: int) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or not policies.can_open_enrollment(current_user, enrollment):
        abort(404)
    return enrollment


@bp.app_template_global("impact_prompt")
def impact_prompt(enrollment: Enrollment | None) -> dict[str, Any]:
    """What the module and lesson pages offer the teacher: the survey to answer now
    and whether to rate the completed module."""
    if enrollment is None or enrollment.user_id != getattr(current_user, "id", None):
        return {}
    return {
        "survey": service.survey_to_offer(db.session, enrollment),
        "rate": enrollment.status is EnrollmentStatus.COMPLETED
        and service.feedback_of(db.session, enrollment) is None,
        "report_form": forms.LessonReportForm(prefix="report"),
    }


@bp.app_template_global("too_few")
def too_few(people: int) -> bool:
    """Whether a figure about ``people`` people is hidden to protect their privacy
    (the research export's rule)."""
    return research.suppressed(people)


@bp.app_template_global("impact_goals")
def impact_goals(district: District) -> list[service.GoalProgress]:
    """The district's goals and their progress, for the district dashboard."""
    return service.goal_progress(db.session, district)


# --- the teacher -------------------------------------------------------------------


@bp.route("/learn/<int:enrollment_id>/feedback", methods=["GET", "POST"])
@login_required
def feedback(enrollment_id: int) -> Any:
    enrollment = _enrollment(enrollment_id)
    if enrollment.status is not EnrollmentStatus.COMPLETED:
        flash(_("You can rate a module once you have completed it."), "info")
        return redirect(url_for("learning.module", slug=enrollment.module.slug), 303)
    given = service.feedback_of(db.session, enrollment)
    form = forms.FeedbackForm(
        data={"rating": str(given.rating), "comment": given.comment} if given else None
    )
    if form.validate_on_submit():
        with saving(form) as saved:
            service.save_feedback(
                db.session,
                current_user,
                enrollment,
                int(form.rating.data or 0),
                form.comment.data or "",
            )
        if saved.ok:
            flash(_("Thank you. The module's authors read every rating."), "success")
            return redirect(
                url_for("learning.module", slug=enrollment.module.slug), 303
            )
    return render_template(
        "impact/feedback_form.html",
        enrollment=enrollment,
        module=localized.localized(enrollment.module),
        form=form,
    ), (422 if form.errors else 200)


@bp.post("/learn/<int:enrollment_id>/lessons/<lesson_slug>/report")
@login_required
def report_lesson(enrollment_id: int, lesson_slug: str) -> Any:
    enrollment = _enrollment(enrollment_id)
    lesson = next((x for x in enrollment.module.lessons if x.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    back = url_for(
        "learning.lesson", enrollment_id=enrollment.id, lesson_slug=lesson.slug
    )
    form = forms.LessonReportForm(prefix="report")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(back + "#report", 303)
    with saving() as saved:
        service.report_lesson(
            db.session, current_user, enrollment, lesson, form.text.data or ""
        )
    if saved.ok:
        flash(_("Thank you. The module's authors will look at this lesson."), "success")
    return redirect(back, 303)


def _phase(value: str) -> SurveyPhase:
    try:
        return SurveyPhase(value)
    except ValueError:
        abort(404)


@bp.route("/learn/<int:enrollment_id>/survey/<phase>", methods=["GET", "POST"])
@login_required
def survey(enrollment_id: int, phase: str) -> Any:
    enrollment = _enrollment(enrollment_id)
    which = _phase(phase)
    module_page = url_for("learning.module", slug=enrollment.module.slug)
    if which not in service.open_phases(db.session, enrollment):
        flash(_("This survey is not open for this module now."), "info")
        return redirect(module_page, 303)
    language = localized.current_language()
    items = service.survey_items(enrollment.module, which, language)
    given = service.response(db.session, enrollment, which)
    answers: dict[str, Any] = dict(given.answers) if given else {}
    form = forms.SurveyForm()
    error = None
    if form.validate_on_submit():
        answers = {
            item_id: request.form.get(f"item-{item_id}") for item_id, _t in items
        }
        with saving(show=False) as saved:
            service.save_survey(db.session, current_user, enrollment, which, answers)
        if saved.ok:
            flash(_("Thank you for your answers."), "success")
            return redirect(module_page, 303)
        error = saved.error.message if saved.error else None
    elif request.method == "POST":
        error = _("That form expired. Please send it again.")
    return render_template(
        "impact/survey.html",
        enrollment=enrollment,
        module=localized.localized(enrollment.module),
        phase=which,
        statements=items,
        answers={k: str(v) for k, v in answers.items() if v},
        scale=service.scale_labels(),
        form=form,
        error=error,
    ), (422 if error else 200)


# --- authors, coaches and districts ---------------------------------------------------


@bp.get("/modules/<slug>/feedback")
@roles_required(Role.ADMIN, Role.COACH, Role.DISTRICT_ADMIN)
def module_feedback(slug: str) -> Any:
    try:
        page = service.module_feedback(db.session, current_user, slug)
    except NotFound:
        abort(404)
    chart = bar_chart(
        _("Ratings of %(module)s", module=page.module.title),
        _("How many teachers gave each rating from 1 to 5."),
        [(str(r), float(n)) for r, n in page.by_rating.items()],
        show=lambda v: f"{v:g}",
    )
    return render_template(
        "impact/module_feedback.html",
        page=page,
        chart=chart,
        district_only=current_user.role is Role.DISTRICT_ADMIN,
        min_group=research.MIN_GROUP,
    )


def _scope() -> assignments.Scope:
    try:
        return assignments.scope_for(current_user)
    except PermissionDenied:
        abort(404)


def _goal_form(**kwargs: Any) -> forms.GoalForm:
    from pdhub.equity.instrument import current

    form = forms.GoalForm(prefix="goal", **kwargs)
    form.module.choices = [
        SelectChoice(slug, title)
        for slug, title in assignments.module_choices(db.session)
    ]
    form.divide.choices = [SelectChoice(d.id, d.title) for d in current().divides]
    return form


def render_district(form: forms.GoalForm | None = None) -> Any:
    scope = _scope()
    found = service.impact(db.session, scope)
    if found is None:
        abort(404)
    change_chart = bar_chart(
        _("Change in teachers' self-ratings by module"),
        _("Mean answer after the module minus mean answer before, on a 1 to 5 scale."),
        [
            (row.title, row.change.change)
            for row in found.modules
            if row.change.people and not research.suppressed(row.change.people)
        ],
    )
    goal_chart = bar_chart(
        _("Progress toward the district's goals"),
        _("Percent of each goal reached."),
        [(goal.label, goal.percent) for goal in found.goals],
        maximum=100.0,
        show=lambda v: f"{v:g}%",
    )
    return render_template(
        "impact/district.html",
        impact=found,
        scope=scope,
        change_chart=change_chart,
        goal_chart=goal_chart,
        can_manage=current_user.role is Role.DISTRICT_ADMIN,
        goal_form=form or _goal_form(),
        min_group=research.MIN_GROUP,
    ), (422 if form is not None and form.errors else 200)


@bp.get("/district/impact")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def district() -> Any:
    return render_district()


def _own_district() -> District:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    return district


def _details(form: forms.GoalForm) -> service.GoalDetails:
    return service.GoalDetails(
        kind=GoalKind(form.kind.data),
        module_slug=form.module.data or "",
        target_percent=form.percent.data or 0,
        divide=form.divide.data or "",
        due_date=form.due.data,
    )


@bp.post("/district/impact/goals")
@roles_required(Role.DISTRICT_ADMIN)
def add_goal() -> Any:
    district = _own_district()
    form = _goal_form()
    if form.validate_on_submit():
        details = _details(form)
        with saving(form) as saved:
            service.create_goal(
                db.session,
                current_user,
                district,
                kind=details.kind,
                module_slug=details.module_slug,
                target_percent=details.target_percent,
                divide=details.divide,
                due_date=details.due_date,
            )
        if saved.ok:
            flash(_("Goal added."), "success")
            return redirect(url_for("impact.district") + "#goals", 303)
    return render_district(form)


def _goal(goal_id: int) -> ImpactGoal:
    try:
        return service.district_goal(db.session, current_user, goal_id)
    except NotFound:
        abort(404)


@bp.get("/district/impact/goals/<int:goal_id>")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def goal(goal_id: int) -> Any:
    found = _goal(goal_id)
    return render_template(
        "impact/goal.html",
        progress=service.progress_of(db.session, found),
        can_manage=current_user.role is Role.DISTRICT_ADMIN,
    )


@bp.route("/district/impact/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def edit_goal(goal_id: int) -> Any:
    found = _goal(goal_id)
    form = _goal_form(
        data=None
        if request.method == "POST"
        else {
            "kind": found.kind.value,
            "module": found.module_slug,
            "percent": found.target_percent,
            "divide": found.divide,
            "due": found.due_date,
        }
    )
    if form.validate_on_submit():
        with saving(form) as saved:
            service.update_goal(db.session, current_user, found, _details(form))
        if saved.ok:
            flash(_("Goal saved."), "success")
            return redirect(url_for("impact.goal", goal_id=found.id), 303)
    return render_template(
        "impact/goal_edit.html",
        progress=service.progress_of(db.session, found),
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/district/impact/goals/<int:goal_id>/delete", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def delete_goal(goal_id: int) -> Any:
    found = _goal(goal_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("That form expired. Please try again."), "error")
            return redirect(url_for("impact.delete_goal", goal_id=found.id), 303)
        with saving() as saved:
            service.remove_goal(db.session, current_user, found)
        if saved.ok:
            flash(_("Goal deleted."), "success")
            return redirect(url_for("impact.district") + "#goals", 303)
    return render_template(
        "impact/goal_delete.html",
        progress=service.progress_of(db.session, found),
        form=form,
    )


@bp.get("/district/impact.csv")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def district_csv() -> Any:
    found = service.impact(db.session, _scope())
    if found is None:
        abort(404)
    header, rows = service.impact_table(found)
    return csv_response(csv_text(header, rows), "impact.csv")


@bp.get("/district/impact/research.csv")
@roles_required(Role.DISTRICT_ADMIN)
def research_csv() -> Any:
    found = research.export(db.session, _own_district())
    return csv_response(csv_text(found.header, found.rows), "research-export.csv")
