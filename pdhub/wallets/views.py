"""Adding a badge to a wallet: the teacher's page with the QR code and links, and
the VC-API exchange endpoint the wallet posts to."""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.credentials import service as credentials
from pdhub.errors import DomainError, error_response
from pdhub.extensions import csrf, db
from pdhub.forms import saving
from pdhub.wallets import service

bp = Blueprint("wallets", __name__)


@bp.post("/badges/<credential_id>/wallet")
@roles_required(*Role)
def start(credential_id: str) -> Any:
    """Open an exchange for the teacher's own badge and show how to take it."""
    try:
        credential = credentials.get_credential(db.session, credential_id)
    except DomainError:
        abort(404)
    if credential.user_id != current_user.id:
        abort(404)
    back = url_for("credentials.credential", name=credential.id)
    form = ConfirmForm(prefix="wallet")
    if not form.validate_on_submit():
        flash(_("That did not work. Please use the button again."), "error")
        return redirect(back, 303)
    with saving(show=False) as saved:
        exchange = service.start_exchange(db.session, current_user, credential)
    if saved.error is not None:
        flash(
            _(
                "Only an active badge can be added to a wallet: this one is "
                "revoked, replaced, suspended or expired."
            ),
            "error",
        )
        return redirect(back, 303)
    link = service.lcw_link(exchange)
    qr = segno.make(link, error="m")
    response = Response(
        render_template(
            "wallets/exchange.html",
            credential=credential,
            exchange=exchange,
            lcw_link=link,
            dcc_link=service.dcc_link(exchange),
            exchange_url=service.exchange_url(exchange),
            qr_data_uri=qr.png_data_uri(scale=4, border=2),
            minutes=int(service.EXCHANGE_LIFETIME.total_seconds() // 60),
        )
    )
    # The links are a one-time key to the badge: never kept by a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/v1/exchanges/<exchange_id>")
@csrf.exempt
def participate(exchange_id: str) -> Any:
    """VC-API: participate in an exchange (``{}``, then the DIDAuth presentation)."""
    body = request.get_json(silent=True)
    if body is None:
        body = {} if not request.get_data() else None
    with saving(show=False) as saved:
        answer = service.participate(db.session, exchange_id, body)
    if saved.error is not None:
        return error_response(saved.error.status, saved.error.message)
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response
