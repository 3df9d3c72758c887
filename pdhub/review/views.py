"""Coach queue and review screen, the teacher's submission page, coach assignments,
and the turnaround report."""

from __future__ import annotations

from datetime import timedelta
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
from flask_babel import format_decimal
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.districts.models import District, School
from pdhub.errors import InvalidInput
from pdhub.extensions import db
from pdhub.forms import saving, show_error
from pdhub.learning import localized
from pdhub.learning.texts import _l, ngettext
from pdhub.learning.texts import gettext as _
from pdhub.review import forms, graders, policies, reports, service
from pdhub.review.models import CoachAssignment, Decision
from pdhub.submissions.models import Artifact, Submission
from pdhub.submissions.states import SubmissionStatus
from pdhub.submissions.storage import INLINE_TYPES

bp = Blueprint("review", __name__)

#: The steps a teacher sees for their evidence, in order.
STEPS = [
    (SubmissionStatus.DRAFT, _l("Draft")),
    (SubmissionStatus.SUBMITTED, _l("Submitted")),
    (SubmissionStatus.SCREENING, _l("Being checked")),
    (SubmissionStatus.IN_REVIEW, _l("In review")),
    (SubmissionStatus.PASSED, _l("Passed")),
]


@bp.app_template_filter("duration")
def duration(value: timedelta | None) -> str:
    """A wait in plain words: "3 days", "5 hours", "12 minutes"."""
    if value is None:
        return ""
    seconds = max(int(value.total_seconds()), 0)
    if seconds >= 86400:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return _("less than a minute")


@bp.app_template_global("screening_text")
def screening_text(finding: dict[str, Any]) -> str:
    """A stored screening reason or flag in the reader's language."""
    return graders.shown(finding)


@bp.app_template_filter("hours")
def hours(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return _("%(minutes)d min", minutes=round(value * 60))
    # "1.5 h" in English, "1,5 h" in Spanish: Babel writes the number for the reader.
    if value < 48:
        return _("%(hours)s h", hours=format_decimal(value, "#,##0.0"))
    return _("%(days)s days", days=format_decimal(value / 24, "#,##0.0"))


def _submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission


def _reviewable(submission_id: int) -> Submission:
    """A submission the signed-in coach may review; another teacher's that they do
    not serve (another district's included) is not found, their own is refused."""
    submission = _submission(submission_id)
    teacher = submission.enrollment.user
    if not policies.can_review(db.session, current_user, teacher):
        abort(403 if teacher.id == current_user.id else 404)
    return submission


def _revise_url(submission: Submission) -> str | None:
    """The teacher's evidence editor, while the evidence may be changed."""
    if not submission.status.editable:
        return None
    return url_for("submissions.evidence", enrollment_id=submission.enrollment_id)


# --- coach queue -------------------------------------------------------------------


@bp.get("/review")
@roles_required(Role.COACH)
def queue() -> Any:
    form = forms.QueueFilterForm(request.args)
    choices = service.queue_choices(db.session, current_user)
    form.module.choices = [SelectChoice("", _("All modules"))] + [
        SelectChoice(str(i), name) for i, name in choices["modules"]
    ]
    form.district.choices = [SelectChoice("", _("All districts"))] + [
        SelectChoice(str(i), name) for i, name in choices["districts"]
    ]
    form.school.choices = [SelectChoice("", _("All schools"))] + [
        SelectChoice(str(i), name) for i, name in choices["schools"]
    ]
    filters = service.QueueFilters(
        module_id=form.as_int("module"),
        district_id=form.as_int("district"),
        school_id=form.as_int("school"),
        waited_days=form.as_int("waited"),
    )
    entries = service.queue(db.session, current_user, filters)
    return render_template(
        "review/queue.html",
        entries=entries,
        form=form,
        filtered=any(vars(filters).values()),
        confirm_form=ConfirmForm(),
    )


@bp.post("/review/<int:submission_id>/claim")
@roles_required(Role.COACH)
def claim(submission_id: int) -> Any:
    submission = _reviewable(submission_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with saving(show=False) as saved:
        service.claim(db.session, current_user, submission)
    if (error := saved.error) is not None:
        flash(error.message, "error")
        return redirect(url_for("review.queue"), 303)
    return redirect(url_for("review.review", submission_id=submission.id), 303)


@bp.post("/review/<int:submission_id>/release")
@roles_required(Role.COACH)
def release(submission_id: int) -> Any:
    submission = _reviewable(submission_id)
    if ConfirmForm().validate_on_submit():
        service.release(db.session, current_user, submission)
        db.session.commit()
        flash(_("The submission is back in the queue for any coach."), "info")
    return redirect(url_for("review.queue"), 303)


def _scores_from(form: forms.ReviewForm, rubric: dict[str, Any]) -> dict[str, Any]:
    return {
        c["id"]: {
            "level": form[f"level_{c['id']}"].data or "",
            "feedback": form[f"feedback_{c['id']}"].data or "",
        }
        for c in rubric.get("criteria", [])
    }


@bp.route("/review/<int:submission_id>", methods=["GET", "POST"])
@roles_required(Role.COACH)
def review(submission_id: int) -> Any:
    submission = _submission(submission_id)
    teacher = submission.enrollment.user
    if not policies.can_review(db.session, current_user, teacher):
        abort(403 if teacher.id == current_user.id else 404)
    # The rubric in the coach's language; the scores keep the module's ids.
    module = localized.localized(submission.enrollment.module)
    form = forms.review_form(module.rubric)
    claim_ = service.current_claim(db.session, submission)
    mine = claim_ is not None and claim_.coach_id == current_user.id
    status = 200
    if request.method == "GET":
        audit.record_view_of(
            db.session,
            AuditAction.EVIDENCE_VIEW,
            current_user,
            teacher,
            "submission",
            submission.id,
        )
    if request.method == "POST" and form.validate_on_submit():
        with saving(show=False) as saved:
            decision = Decision(form.decision.data)
            service.decide(
                db.session,
                current_user,
                submission,
                scores=_scores_from(form, module.rubric),
                overall_feedback=form.overall_feedback.data or "",
                decision=decision,
            )
        if (error := saved.error) is not None:
            show_error(form, error)
            status = 422
        else:
            flash(
                _(
                    "Saved: %(decision)s. %(name)s has been told.",
                    decision=decision.label.lower(),
                    name=teacher.first_name,
                ),
                "success",
            )
            return redirect(url_for("review.queue"), 303)
    elif request.method == "POST":
        status = 422
    return render_template(
        "review/review.html",
        submission=submission,
        teacher=teacher,
        module=module,
        form=form,
        claim=claim_,
        mine=mine,
        confirm_form=ConfirmForm(),
        **_evidence_context(submission),
    ), status


def _evidence_context(submission: Submission) -> dict[str, Any]:
    versions = list(submission.versions)
    latest = versions[-1] if versions else None
    ids = sorted({i for v in versions for i in (v.artifact_ids or [])})
    files = {
        a.id: a
        for a in db.session.scalars(
            select(Artifact).where(Artifact.id.in_(ids or [-1]))
        )
    }
    return {
        "versions": versions,
        "latest": latest,
        "files": files,
        "reviews": service.reviews_by_version(db.session, submission),
        "inline_types": INLINE_TYPES,
    }


# --- the teacher's view ------------------------------------------------------------


@bp.get("/submissions/<int:submission_id>")
@login_required
def submission_status(submission_id: int) -> Any:
    submission = _submission(submission_id)
    teacher = submission.enrollment.user
    if not policies.can_view_submission(db.session, current_user, teacher):
        abort(404)
    audit.record_view_of(
        db.session,
        AuditAction.EVIDENCE_VIEW,
        current_user,
        teacher,
        "submission",
        submission.id,
    )
    status = submission.status
    order = [s for s, _ in STEPS]
    shown = {
        SubmissionStatus.RETURNED: SubmissionStatus.SCREENING,
        SubmissionStatus.NEEDS_REVISION: SubmissionStatus.IN_REVIEW,
    }.get(status, status)
    # Returned and needs-revision take the place of the step they came back from.
    steps = [
        (s, status.label if s is shown and s is not status else _(label))
        for s, label in STEPS
    ]
    return render_template(
        "review/submission.html",
        submission=submission,
        teacher=teacher,
        module=localized.localized(submission.enrollment.module),
        steps=steps,
        step_index=order.index(shown),
        revise_url=_revise_url(submission),
        is_teacher=teacher.id == current_user.id,
        **_evidence_context(submission),
    )


# --- coach assignments -------------------------------------------------------------


def _assignment_form(**kwargs: Any) -> forms.AssignmentForm:
    form = forms.AssignmentForm(**kwargs)
    if current_user.role is Role.ADMIN:
        districts = db.session.scalars(select(District).order_by(District.name)).all()
        coaches = db.session.scalars(
            select(User).where(User.role == Role.COACH).order_by(User.name)
        ).all()
    else:
        district = db.session.get(District, current_user.district_id or 0)
        districts = [district] if district is not None else []
        coaches = db.session.scalars(
            select(User)
            .where(
                User.role == Role.COACH, User.district_id == current_user.district_id
            )
            .order_by(User.name)
        ).all()
    form.coach.choices = [SelectChoice("", _("Choose a coach"))] + [
        SelectChoice(str(c.id), f"{c.name} ({c.email})") for c in coaches
    ]
    scope: list[SelectChoice] = [SelectChoice("", _("Choose a district or school"))]
    for district in districts:
        scope.append(
            SelectChoice(
                f"d{district.id}", _("All of %(district)s", district=district.name)
            )
        )
        scope.extend(
            SelectChoice(f"s{school.id}", f"{school.name} ({district.name})")
            for school in district.schools
        )
    form.scope.choices = scope
    return form


@bp.route("/review/coaches", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def coaches() -> Any:
    form = _assignment_form()
    if form.validate_on_submit():
        with saving(form) as saved:
            # Only a coach offered on the form (the actor's own scope) is looked up:
            # any other id is "not found", whoever it belongs to.
            offered = {choice.value for choice in form.coach.choices if choice.value}
            coach_id = form.coach.data if form.coach.data in offered else None
            coach = db.session.get(User, int(coach_id)) if coach_id else None
            scope = form.scope.data or ""
            school = district = None
            if scope.startswith("s") and scope[1:].isdigit():
                school = db.session.get(School, int(scope[1:]))
                district = school.district if school else None
            elif scope.startswith("d") and scope[1:].isdigit():
                district = db.session.get(District, int(scope[1:]))
            if coach is None:
                raise InvalidInput(
                    _("We couldn't find that coach. Choose one from the list."),
                    field="coach",
                )
            if district is None:
                raise InvalidInput(_("Choose what the coach serves."), field="scope")
            service.assign_coach(db.session, current_user, coach, district, school)
        if saved.ok:
            flash(
                _(
                    "%(name)s now reviews evidence from %(place)s.",
                    name=coach.name,
                    place=school.name if school else district.name,
                ),
                "success",
            )
            return redirect(url_for("review.coaches"), 303)
    return render_template(
        "review/coaches.html",
        form=form,
        assignments=service.assignments(db.session, current_user),
        confirm_form=ConfirmForm(prefix="c"),
    ), (422 if form.errors or form.form_errors else 200)


@bp.post("/review/coaches/<int:assignment_id>/remove")
@roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def remove_assignment(assignment_id: int) -> Any:
    assignment = db.session.get(CoachAssignment, assignment_id)
    if assignment is None or not policies.can_manage_assignments(
        current_user, assignment.district
    ):
        abort(404)
    if ConfirmForm(prefix="c").validate_on_submit():
        service.remove_assignment(db.session, current_user, assignment)
        db.session.commit()
        flash(_("The assignment is removed."), "info")
    return redirect(url_for("review.coaches"), 303)


# --- turnaround --------------------------------------------------------------------


@bp.get("/review/turnaround")
@roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def turnaround() -> Any:
    report = reports.turnaround(db.session, current_user)
    scope = (
        _("all districts")
        if current_user.role is Role.ADMIN
        else (
            current_user.district.name if current_user.district else _("your district")
        )
    )
    return render_template("review/turnaround.html", report=report, scope=scope)
