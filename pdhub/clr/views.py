"""The CLR transcript: download it signed, share it by link, read a shared one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.clr import service
from pdhub.credentials.forms import ShareForm
from pdhub.errors import DomainError
from pdhub.extensions import db
from pdhub.forms import saving

bp = Blueprint("clr", __name__)

JSON_LD = "application/vc+ld+json"


def _back() -> Any:
    return redirect(url_for("learning.transcript") + "#clr-title", 303)


@bp.get("/transcript.clr.json")
@login_required
def download() -> Any:
    """The signed-in teacher's whole record as a signed CLR 2.0 credential."""
    try:
        transcript = service.transcript_for(db.session, current_user)
    except DomainError as error:
        flash(error.message, "error")
        return _back()
    db.session.commit()
    name = service.filename(transcript)
    return Response(
        transcript.credential_json,
        mimetype=JSON_LD,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/transcript/clr/share")
@login_required
def share() -> Any:
    form = ShareForm()
    if not form.validate_on_submit():
        flash(_("That did not work. Please use the button again."), "error")
        return _back()
    shared = form.shared.data == "on"
    with saving() as saved:
        transcript = service.transcript_for(db.session, current_user)
        service.set_shared(db.session, current_user, transcript, shared)
    if not saved.ok:
        return _back()
    if shared:
        flash(
            _("Your transcript is shared: anyone with the link can check it."),
            "success",
        )
    else:
        flash(_("Sharing is off: only you can open your transcript now."), "success")
    return _back()


@bp.get("/transcripts/<name>")
def shared_transcript(name: str) -> Any:
    """A transcript by its link: anyone once shared, else only its teacher (404)."""
    transcript_id, dot, extension = name.partition(".")
    if dot and extension != "json":
        abort(404)
    try:
        transcript = service.get_transcript(db.session, transcript_id)
    except DomainError:
        abort(404)
    if not service.can_view(current_user, transcript):
        abort(404)  # a private transcript is indistinguishable from a missing one
    if not dot:
        return redirect(
            url_for("verification.verify", url=service.public_url(transcript)), 303
        )
    response = Response(transcript.credential_json, mimetype=JSON_LD)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response
