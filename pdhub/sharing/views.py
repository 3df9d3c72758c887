"""Sharing pages: a badge into a community (``/badges/<id>/community``), and a
module's exemplar library, one exemplar, its files, sharing and withdrawing
(``/modules/<slug>/exemplars``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from pdhub.accounts.forms import ConfirmForm
from pdhub.communities import service as communities
from pdhub.communities.models import Community
from pdhub.credentials import service as credentials
from pdhub.errors import DomainError, NotFound
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.learning import service as learning
from pdhub.learning.localized import localized
from pdhub.sharing import forms, service
from pdhub.sharing.models import Exemplar
from pdhub.submissions.storage import ArtifactUnreadable, file_response, read_artifact

bp = Blueprint("sharing", __name__)


# --- a badge into a community ---------------------------------------------------------


@bp.route("/badges/<credential_id>/community", methods=["GET", "POST"])
@login_required
def share_badge(credential_id: str) -> Any:
    try:
        credential = credentials.get_credential(db.session, credential_id)
    except DomainError:
        abort(404)
    if credential.user_id != current_user.id:
        abort(404)
    choices = communities.visible_communities(db.session, current_user)
    form = forms.ShareBadgeForm()
    form.community.choices = [SelectChoice(c.id, c.name) for c in choices]
    if form.validate_on_submit():
        community = next((c for c in choices if c.id == form.community.data), None)
        if community is None:
            form.community.errors = [_("Choose one of your communities.")]
        else:
            made = []
            with saving(form) as saved:
                made.append(
                    service.share_badge(
                        db.session,
                        current_user,
                        credential,
                        community,
                        form.message.data or "",
                    )
                )
            if saved.ok:
                flash(
                    _("Your badge is shared in %(name)s.", name=community.name),
                    "success",
                )
                return redirect(
                    url_for(
                        "communities.thread",
                        community_id=community.id,
                        thread_id=made[0].id,
                    ),
                    303,
                )
    db.session.commit()  # communities made on first visit
    return render_template(
        "sharing/share_badge.html",
        form=form,
        credential=credential,
        module=localized(credential.award.module),
        has_choices=bool(choices),
    ), (422 if request.method == "POST" else 200)


# --- exemplars ------------------------------------------------------------------------


def _module(slug: str) -> Any:
    try:
        module = learning.current_module(db.session, slug)
    except NotFound:
        abort(404)
    if not service.can_open_library(db.session, current_user, slug):
        abort(404)
    return module


def _exemplar(slug: str, exemplar_id: int) -> Exemplar:
    try:
        return service.get_exemplar(db.session, current_user, slug, exemplar_id)
    except NotFound:
        abort(404)


@bp.get("/modules/<slug>/exemplars")
@login_required
def library(slug: str) -> Any:
    module = _module(slug)
    entries = service.library(db.session, current_user, module)
    passed = service.passed_evidence(db.session, current_user, slug)
    html = render_template(
        "sharing/library.html",
        module=localized(module),
        entries=entries,
        can_share=passed is not None,
        mine=service.mine(db.session, current_user, slug),
    )
    db.session.commit()  # communities made on first visit
    return html


@bp.route("/modules/<slug>/exemplars/new", methods=["GET", "POST"])
@login_required
def new_exemplar(slug: str) -> Any:
    module = _module(slug)
    passed = service.passed_evidence(db.session, current_user, slug)
    if passed is None:
        abort(404)
    places = service.exemplar_communities(db.session, current_user, slug)
    form = forms.ExemplarForm()
    form.community.choices = [SelectChoice(c.id, c.name) for c in places]
    form.files.choices = [SelectChoice(a.id, a.filename) for a in passed.artifacts]
    if request.method == "GET":
        form.context.data = form.reflection.data = True
    if form.validate_on_submit():
        made: list[Exemplar] = []
        with saving(form) as saved:
            made.append(
                service.share_exemplar(
                    db.session,
                    current_user,
                    slug,
                    form.community.data or 0,
                    consent=bool(form.consent.data),
                    context=bool(form.context.data),
                    reflection=bool(form.reflection.data),
                    links=bool(form.links.data),
                    artifact_ids=list(form.files.data or []),
                    note=form.note.data or "",
                )
            )
        if saved.ok:
            flash(
                _(
                    "Your exemplar is shared. You can withdraw it at any time from "
                    "its page."
                ),
                "success",
            )
            return redirect(
                url_for("sharing.exemplar", slug=slug, exemplar_id=made[0].id), 303
            )
    db.session.commit()  # communities made on first visit
    return render_template(
        "sharing/new_exemplar.html",
        module=localized(module),
        form=form,
        passed=passed,
    ), (422 if request.method == "POST" else 200)


@bp.get("/modules/<slug>/exemplars/<int:exemplar_id>")
@login_required
def exemplar(slug: str, exemplar_id: int) -> Any:
    module = _module(slug)
    found = _exemplar(slug, exemplar_id)
    (entry,) = service.library(db.session, current_user, module, [found])
    return render_template(
        "sharing/exemplar.html",
        module=localized(module),
        entry=entry,
        community=db.session.get(Community, found.community_id),
        withdraw_form=ConfirmForm(prefix="withdraw"),
    )


@bp.get("/modules/<slug>/exemplars/<int:exemplar_id>/files/<int:artifact_id>")
@login_required
def exemplar_file(slug: str, exemplar_id: int, artifact_id: int) -> Any:
    try:
        artifact = service.exemplar_file(
            db.session, current_user, slug, exemplar_id, artifact_id
        )
        content = read_artifact(artifact)
    except (NotFound, ArtifactUnreadable):
        abort(404)
    return file_response(
        artifact, content, inline=request.args.get("inline") is not None
    )


@bp.post("/modules/<slug>/exemplars/<int:exemplar_id>/withdraw")
@login_required
def withdraw(slug: str, exemplar_id: int) -> Any:
    found = _exemplar(slug, exemplar_id)
    if found.author_id != current_user.id:
        abort(404)
    if not ConfirmForm(prefix="withdraw").validate_on_submit():
        flash(_("That did not work. Please use the button again."), "error")
        return redirect(
            url_for("sharing.exemplar", slug=slug, exemplar_id=found.id), 303
        )
    with saving() as saved:
        service.withdraw(db.session, current_user, found)
    if saved.ok:
        flash(
            _("Your exemplar is withdrawn: no one can open it or its files now."),
            "success",
        )
    return redirect(url_for("sharing.library", slug=slug), 303)
