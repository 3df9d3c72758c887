"""The signed-in user's notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from pdhub.accounts.forms import ConfirmForm
from pdhub.extensions import db
from pdhub.notifications import service
from pdhub.notifications.models import Notification

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index() -> Any:
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc())
        .limit(100)
    ).all()
    return render_template(
        "notifications/index.html", notifications=rows, form=ConfirmForm()
    )


@bp.post("/notifications/read")
@login_required
def mark_read() -> Any:
    if ConfirmForm().validate_on_submit():
        service.mark_all_read(db.session, current_user)
        db.session.commit()
    return redirect(url_for("notifications.index"), 303)
