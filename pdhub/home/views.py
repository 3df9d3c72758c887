"""The public home page and each role's dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from pdhub.accounts.models import Role
from pdhub.accounts.policies import can_use_staff_pages

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    return render_template("home/index.html")


@bp.get("/dashboard")
@login_required
def dashboard() -> Any:
    if current_user.is_staff and not can_use_staff_pages(current_user):
        return redirect(url_for("accounts.two_factor", next=url_for("home.dashboard")))
    return render_template("home/dashboard.html", Role=Role)


@bp.get("/healthz")
def healthz() -> Any:
    return {"status": "ok"}
