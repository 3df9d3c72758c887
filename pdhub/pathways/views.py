"""Pathways at /pathways: the pathways a person can see with their progress, a
pathway's page, defining one, and the milestone credential's JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.models import Role
from pdhub.errors import NotFound
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.pathways import forms, policies, service
from pdhub.templating import NAVIGATION, NavItem

bp = Blueprint("pathways", __name__, url_prefix="/pathways")

NAVIGATION.append(
    NavItem(
        _l("Pathways"),
        "pathways.index",
        frozenset({Role.TEACHER, Role.DISTRICT_ADMIN, Role.ADMIN}),
    )
)


@bp.get("")
@login_required
def index() -> Any:
    pathways = service.visible_pathways(db.session, current_user)
    return render_template(
        "pathways/index.html",
        progress_rows=service.progress(db.session, current_user, pathways),
        can_define=policies.can_define(current_user),
        is_teacher=current_user.role is Role.TEACHER,
    )


def _pathway_form() -> forms.PathwayForm:
    form = forms.PathwayForm()
    choices = [
        SelectChoice(module.slug, module.title)
        for module in service.module_choices(db.session)
    ]
    form.required.choices = choices
    form.electives.choices = choices
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def new() -> Any:
    form = _pathway_form()
    if form.validate_on_submit():
        with saving(form) as saved:
            pathway = service.create_pathway(
                db.session,
                current_user,
                name=form.name.data or "",
                description=form.description.data or "",
                milestone_name=form.milestone_name.data or "",
                required=form.required.data or [],
                electives=form.electives.data or [],
                electives_required=form.electives_required.data or 0,
            )
        if saved.ok:
            flash(_("The pathway is ready for teachers."), "success")
            return redirect(url_for("pathways.pathway", pathway_id=pathway.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("pathways/new.html", form=form), status


def _pathway(pathway_id: int) -> Any:
    try:
        return service.get_pathway(db.session, current_user, pathway_id)
    except NotFound:
        abort(404)


def _outside_form(found: Any) -> forms.OutsideElectiveForm:
    form = forms.OutsideElectiveForm(prefix="outside")
    form.issuer_id.choices = [
        SelectChoice(identifier, f"{name} ({identifier})")
        for identifier, name in service.outside_issuer_choices(db.session, found)
    ]
    if not form.is_submitted():
        form.electives_required.data = found.electives_required
    return form


def _pathway_page(found: Any, outside_form: Any = None, status: int = 200) -> Any:
    [item] = service.progress(db.session, current_user, [found])
    can_change = policies.can_change(current_user, found)
    if can_change and outside_form is None:
        outside_form = _outside_form(found)
    return render_template(
        "pathways/pathway.html",
        item=item,
        district=service.district_of(db.session, found),
        is_teacher=current_user.role is Role.TEACHER,
        can_change=can_change,
        outside_form=outside_form,
    ), status


@bp.get("/<int:pathway_id>")
@login_required
def pathway(pathway_id: int) -> Any:
    return _pathway_page(_pathway(pathway_id))


@bp.post("/<int:pathway_id>/outside-electives")
@roles_required(Role.DISTRICT_ADMIN, Role.ADMIN)
def add_outside_elective(pathway_id: int) -> Any:
    """Count a badge of a trusted issuer as one of the pathway's electives."""
    found = _pathway(pathway_id)
    if not policies.can_change(current_user, found):
        abort(404)
    form = _outside_form(found)
    if form.validate_on_submit():
        with saving(form) as saved:
            service.add_outside_elective(
                db.session,
                current_user,
                found,
                issuer_id=form.issuer_id.data or "",
                achievement_id=form.achievement_id.data or "",
                name=form.name.data or "",
                electives_required=form.electives_required.data,
            )
        if saved.ok:
            flash(_("Teachers holding that badge now have it counted."), "success")
            return redirect(url_for("pathways.pathway", pathway_id=found.id), 303)
    return _pathway_page(found, form, 422)


@bp.get("/<int:pathway_id>/credential.json")
@login_required
def credential(pathway_id: int) -> Any:
    """The viewer's own milestone credential of this pathway, as issued."""
    found = _pathway(pathway_id)
    completion = service.completion_of(db.session, current_user, found)
    if completion is None or completion.credential_json is None:
        abort(404)
    return Response(
        completion.credential_json,
        mimetype="application/json",
        headers={
            "Content-Disposition": "attachment; "
            f'filename="milestone-{completion.credential_id}.json"'
        },
    )


@bp.route("/milestones/<int:completion_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def revoke_milestone(completion_id: int) -> Any:
    """A platform administrator revokes a milestone credential for good."""
    try:
        completion = service.get_milestone(db.session, completion_id)
    except NotFound:
        abort(404)
    form = forms.RevokeMilestoneForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            service.revoke_milestone(
                db.session, current_user, completion, form.reason.data or ""
            )
        if saved.ok:
            flash(_("The milestone credential is revoked."), "success")
            return redirect(
                url_for("pathways.revoke_milestone", completion_id=completion_id), 303
            )
    status = 422 if form.is_submitted() else 200
    return render_template(
        "pathways/revoke_milestone.html", completion=completion, form=form
    ), status
