"""The teacher's self-assessment (/learn/self-assessment), the recommendations it
gives on the catalog and dashboard, the class access inventory on the evidence page,
and the district's classroom access picture (/district/equity/classrooms)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.accounts.auth import roles_required
from pdhub.accounts.models import Role
from pdhub.districts.models import District
from pdhub.equity import policies as equity_policies
from pdhub.errors import PermissionDenied
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.learning import localized
from pdhub.learning import policies as learning_policies
from pdhub.learning.models import Enrollment
from pdhub.learnpath import forms, inventory, service
from pdhub.submissions import forms as submission_forms
from pdhub.submissions import service as submissions
from pdhub.submissions import views as submission_views

bp = Blueprint("learnpath", __name__)


@bp.app_template_global("learning_path")
def learning_path() -> list[service.Step] | None:
    """The signed-in teacher's recommended modules in order (None before they take
    the self-assessment); None for everyone else."""
    if not current_user.is_authenticated or current_user.role is not Role.TEACHER:
        return None
    return service.path(db.session, current_user, localized.current_language())


@bp.route("/learn/self-assessment", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def self_assessment() -> Any:
    items = service.items(db.session, localized.current_language())
    record = service.latest(db.session, current_user)
    answers = record.answers if record else {}
    form = forms.self_assessment_form(
        items,
        data={f"item_{n}": answers.get(item.key) for n, item in enumerate(items)},
    )
    if form.validate_on_submit():
        given = {
            item.key: form.item_field(n).data or "" for n, item in enumerate(items)
        }
        with saving(form) as saved:
            service.save(db.session, current_user, given, {i.key for i in items})
        if saved.ok:
            flash(
                _(
                    "Your answers are saved. Your recommended modules are at the "
                    "top of the catalog."
                ),
                "success",
            )
            return redirect(url_for("learning.catalog"), 303)
    groups: dict[str, list[tuple[int, service.Item]]] = {}
    for n, item in enumerate(items):
        groups.setdefault(item.module_title, []).append((n, item))
    return render_template(
        "learnpath/self_assessment.html",
        form=form,
        groups=groups,
        record=record,
    ), (422 if form.errors else 200)


def _enrollment(enrollment_id: int) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or not learning_policies.can_open_enrollment(
        current_user, enrollment
    ):
        abort(404)
    return enrollment


@bp.post("/learn/<int:enrollment_id>/evidence/inventory")
@login_required
def save_inventory(enrollment_id: int) -> Any:
    enrollment = _enrollment(enrollment_id)
    counts = inventory.counts_of(enrollment)
    if not counts:
        abort(404)
    form = forms.inventory_form(counts, prefix="inventory")
    if form.validate_on_submit():
        with saving(form) as saved:
            inventory.save(
                db.session,
                current_user,
                enrollment,
                int(form.students.data or 0),
                {key: int(form[f"count_{key}"].data or 0) for key in counts},
                bool(form.share.data),
            )
        if saved.ok:
            flash(
                _("Your class counts are saved and counted in your district's picture.")
                if form.share.data
                else _("Your class counts are saved. They are not shared."),
                "success",
            )
            return redirect(
                url_for("submissions.evidence", enrollment_id=enrollment.id)
                + "#inventory",
                303,
            )
    submission = submissions.get_or_create_draft(db.session, current_user, enrollment)
    db.session.commit()
    evidence_form = submission_forms.EvidenceForm(
        formdata=None,
        data={
            "context": submission.context_text,
            "reflection": submission.reflection_text,
            "share_evidence_in_badge": submission.share_evidence_in_badge,
        },
    )
    return submission_views.render_evidence(
        enrollment, submission, evidence_form, status=422, inventory_form=form
    )


@bp.get("/district/equity/classrooms")
@roles_required(Role.TEACHER, Role.COACH, Role.SCHOOL_LEADER, Role.DISTRICT_ADMIN)
def classrooms() -> Any:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    if not equity_policies.can_view(db.session, current_user, district):
        raise PermissionDenied(
            _("Only your district's administrators and its equity team see this page.")
        )
    return render_template(
        "learnpath/classrooms.html",
        district=district,
        schools=inventory.district_picture(db.session, district),
        labels=inventory.COUNT_LABELS,
        min_classes=inventory.MIN_CLASSES,
    )
