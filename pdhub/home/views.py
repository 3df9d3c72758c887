"""The public home page and each role's dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required

from pdhub.accounts.auth import signed_in_with_sso
from pdhub.accounts.models import Role
from pdhub.accounts.policies import can_use_staff_pages
from pdhub.admin import service as admin
from pdhub.districts import service as districts
from pdhub.equity import policies as equity_policies
from pdhub.extensions import db
from pdhub.learning import service as learning
from pdhub.review import service as review

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    return render_template("home/index.html")


@bp.get("/dashboard")
@login_required
def dashboard() -> Any:
    if current_user.is_staff and not can_use_staff_pages(
        current_user, single_sign_on=signed_in_with_sso()
    ):
        return redirect(url_for("accounts.two_factor", next=url_for("home.dashboard")))
    context: dict[str, Any] = {}
    if current_user.role in (Role.COACH, Role.DISTRICT_ADMIN):
        context["out_of_tries"] = len(learning.out_of_tries(db.session, current_user))
    if current_user.role is Role.COACH:
        context["coach"] = review.coach_summary(db.session, current_user)
    elif current_user.role is Role.DISTRICT_ADMIN and current_user.district:
        context["district"] = districts.district_summary(
            db.session, current_user.district
        )
    elif current_user.role is Role.ADMIN:
        context["platform"] = admin.platform_summary(db.session)
    if current_user.role in (Role.TEACHER, Role.COACH) and current_user.district:
        # Team members outside the administrators' navigation find their team here.
        context["equity_team"] = equity_policies.team_role(
            db.session, current_user, current_user.district
        )
    return render_template("home/dashboard.html", Role=Role, **context)


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico whatever the page links to: answer, don't 404."""
    icon = Path(current_app.static_folder or "static") / "favicon.svg"
    response = Response(icon.read_bytes(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/healthz")
def healthz() -> Any:
    return {"status": "ok"}
