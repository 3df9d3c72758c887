"""Audit trail pages: a district's at /district/audit, the platform's at /admin/audit
(each with a .csv), and a person's "who opened my work" at /account/activity."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pdhub.accounts.auth import roles_required
from pdhub.accounts.models import Role
from pdhub.audit import service
from pdhub.audit.forms import AuditFilterForm
from pdhub.audit.labels import action_label
from pdhub.exports import csv_response, csv_text
from pdhub.extensions import db
from pdhub.templating import NAVIGATION, NavItem

bp = Blueprint("audit", __name__)

NAVIGATION.append(
    NavItem(_l("Audit trail"), "audit.admin_trail", frozenset({Role.ADMIN}))
)
NAVIGATION.append(
    NavItem(_l("Audit trail"), "audit.district_trail", frozenset({Role.DISTRICT_ADMIN}))
)


@bp.after_app_request
def save_audit_events(response: Response) -> Response:
    """Commit audit events a request recorded without committing (reading pages,
    downloads, refusals). A request that commits its own work saves them with it."""
    if service.has_unsaved_events(db.session):
        db.session.commit()
    return response


def _filters(form: AuditFilterForm) -> service.Filters:
    return service.Filters(
        action=form.action.data or None,
        actor_email=(form.actor.data or "").strip() or None,
        since=form.since.data,
        until=form.until.data,
    )


def _before() -> int | None:
    return request.args.get("before", type=int)


def _trail(district_id: int | None, endpoint: str, title: str) -> Any:
    form = AuditFilterForm(request.args)
    valid = not request.args or form.validate()
    page = (
        service.events_page(db.session, district_id, _filters(form), _before())
        if valid
        else service.Page(rows=[], next_before=None)
    )
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template(
        "audit/trail.html",
        title=title,
        form=form,
        page=page,
        endpoint=endpoint,
        query=query,
        action_label=action_label,
    ), (200 if valid else 422)


def _csv(district_id: int | None, filename: str) -> Any:
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        from pdhub.errors import InvalidInput

        raise InvalidInput(_("Check the filters: a date or address is not right."))
    rows = service.csv_rows(db.session, district_id, _filters(form))
    return csv_response(csv_text(service.CSV_HEADER, rows), filename)


def _own_district() -> int:
    # Never None: None would mean every district's events.
    if current_user.district_id is None:
        abort(404)
    return int(current_user.district_id)


@bp.get("/district/audit")
@roles_required(Role.DISTRICT_ADMIN)
def district_trail() -> Any:
    return _trail(
        _own_district(), "audit.district_trail", _("Your district's audit trail")
    )


@bp.get("/district/audit.csv")
@roles_required(Role.DISTRICT_ADMIN)
def district_trail_csv() -> Any:
    return _csv(_own_district(), "district-audit.csv")


@bp.get("/admin/audit")
@roles_required(Role.ADMIN)
def admin_trail() -> Any:
    return _trail(None, "audit.admin_trail", _("Audit trail (whole platform)"))


@bp.get("/admin/audit.csv")
@roles_required(Role.ADMIN)
def admin_trail_csv() -> Any:
    return _csv(None, "audit.csv")


@bp.get("/account/activity")
@login_required
def activity() -> Any:
    page = service.views_of_my_work(db.session, current_user, _before())
    return render_template("audit/activity.html", page=page, action_label=action_label)
