"""The district's OneRoster connection (the ``oneroster`` blueprint, under
/district/integrations/roster): its settings, "Preview sync now", each sync's page
with its progress, preview and problems, and applying it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.districts import roster, rostersync
from pdhub.districts.forms import RosterConnectionForm
from pdhub.districts.models import (
    District,
    RosterConnection,
    RosterImportStatus,
    RosterSchedule,
    RosterSync,
    RosterSyncStatus,
)
from pdhub.errors import NotFound
from pdhub.extensions import db
from pdhub.forms import saving

bp = Blueprint("oneroster", __name__, url_prefix="/district/integrations/roster")


@bp.app_template_global("sync_status")
def sync_status(sync: RosterSync) -> str:
    if sync.status is RosterSyncStatus.PREVIEW and sync.roster_import is not None:
        if sync.roster_import.problems:
            return str(_("Needs corrections at the provider"))
        return str(_("Ready to apply"))
    return str(
        {
            RosterSyncStatus.QUEUED: _("Waiting to start"),
            RosterSyncStatus.FETCHING: _("Reading the provider"),
            RosterSyncStatus.PREVIEW: _("Ready to apply"),
            RosterSyncStatus.APPLYING: _("Applying"),
            RosterSyncStatus.DONE: _("Applied"),
            RosterSyncStatus.FAILED: _("Stopped"),
        }[sync.status]
    )


def _my_district() -> District:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    return district


def _form(connection: RosterConnection | None) -> RosterConnectionForm:
    form = RosterConnectionForm(prefix="conn")
    if connection is not None and not form.is_submitted():
        form.base_url.data = connection.base_url
        form.token_url.data = connection.token_url
        form.client_id.data = connection.client_id
        form.schedule.data = connection.schedule.value
    return form


@bp.route("", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def settings() -> Any:
    district = _my_district()
    connection = rostersync.get_connection(db.session, district)
    form = _form(connection)
    if form.validate_on_submit():
        with saving(form) as saved:
            rostersync.save_connection(
                db.session,
                current_user,
                district,
                rostersync.Settings(
                    base_url=form.base_url.data or "",
                    token_url=form.token_url.data or "",
                    client_id=form.client_id.data or "",
                    client_secret=form.client_secret.data or "",
                    schedule=RosterSchedule(form.schedule.data),
                ),
            )
        if saved.ok:
            flash(_("The roster connection is saved."), "success")
            return redirect(url_for("oneroster.settings"), 303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "districts/roster_sync.html",
        form=form,
        connection=connection,
        sync_form=ConfirmForm(prefix="s"),
        syncs=rostersync.recent_syncs(db.session, district),
    ), status


@bp.post("/sync")
@roles_required(Role.DISTRICT_ADMIN)
def start_sync() -> Any:
    district = _my_district()
    if not ConfirmForm(prefix="s").validate_on_submit():
        return redirect(url_for("oneroster.settings"), 303)
    with saving() as saved:
        sync = rostersync.start_sync(db.session, current_user, district)
    if not saved.ok:
        return redirect(url_for("oneroster.settings"), 303)
    return redirect(url_for("oneroster.sync", sync_id=sync.id), 303)


@bp.get("/syncs/<int:sync_id>", endpoint="sync")
@roles_required(Role.DISTRICT_ADMIN)
def sync_page(sync_id: int) -> Any:
    district = _my_district()
    try:
        sync = rostersync.get_sync(db.session, district, sync_id)
    except NotFound:
        abort(404)
    item = sync.roster_import
    summary = (
        roster.summarize(db.session, item)
        if sync.status is RosterSyncStatus.PREVIEW
        and item is not None
        and item.status is RosterImportStatus.PREVIEW
        and not item.problems
        else None
    )
    return render_template(
        "districts/roster_sync_run.html",
        sync=sync,
        item=item,
        summary=summary,
        confirm_form=ConfirmForm(prefix="c"),
        Status=RosterSyncStatus,
    )


@bp.post("/syncs/<int:sync_id>/apply", endpoint="apply")
@roles_required(Role.DISTRICT_ADMIN)
def apply_sync(sync_id: int) -> Any:
    district = _my_district()
    try:
        sync = rostersync.get_sync(db.session, district, sync_id)
    except NotFound:
        abort(404)
    if ConfirmForm(prefix="c").validate_on_submit():
        with saving() as saved:
            rostersync.confirm_sync(db.session, current_user, sync)
        if saved.ok:
            flash(_("The roster is being applied."), "info")
    return redirect(url_for("oneroster.sync", sync_id=sync_id), 303)
