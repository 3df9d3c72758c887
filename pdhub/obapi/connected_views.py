"""The teacher's Connected systems page at /account/connected: the systems they let
read their account through the OB 3.0 API, and disconnecting one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.accounts.forms import ConfirmForm
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.obapi import connections
from pdhub.obapi.scopes import scope_text

bp = Blueprint("connected", __name__, url_prefix="/account/connected")


@bp.get("")
@login_required
def index() -> Any:
    return render_template(
        "obapi/connected.html",
        connections=connections.connections_of(db.session, current_user),
        scope_text=scope_text,
        form=ConfirmForm(prefix="disconnect"),
    )


@bp.post("/<int:client_id>/disconnect")
@login_required
def disconnect(client_id: int) -> Any:
    # Another teacher's grant is answered like a missing one.
    if not any(
        item.client.id == client_id
        for item in connections.connections_of(db.session, current_user)
    ):
        abort(404)
    form = ConfirmForm(prefix="disconnect")
    if not form.validate_on_submit():
        flash(_("That did not work. Please use the Disconnect button again."), "error")
        return redirect(url_for("connected.index"), 303)
    with saving() as saved:
        client = connections.disconnect(db.session, current_user, client_id)
    if saved.ok:
        flash(
            _(
                "%(system)s is disconnected: it can no longer read your account.",
                system=client.client_name,
            ),
            "success",
        )
    return redirect(url_for("connected.index"), 303)
