"""District endpoints of the JSON API: staff progress on assigned modules and the
hours ledger, for a district administrator's token holding the matching scope,
paginated with page and limit. Registered on the API blueprint."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from pdhub.accounts import scopes
from pdhub.api.limits import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    MAX_YEAR,
    MIN_YEAR,
)
from pdhub.api.views import _token, bp
from pdhub.districts import assignments, ledger
from pdhub.districts.models import District
from pdhub.errors import InvalidInput, PermissionDenied
from pdhub.extensions import db

PAGE_ARGS = {"page", "limit"}


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(
            _(
                "%(name)s must be a whole number from %(low)d to %(high)d.",
                name=name,
                low=low,
                high=high,
            ),
            field=name,
        )
    return int(text)


def _unknown_arguments(allowed: set[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise InvalidInput(
            _("Unknown query parameter: %(names)s.", names=", ".join(unknown[:5]))
        )


def _scope_for_token(scope: str) -> assignments.Scope:
    token = _token(bulk=False, scope=scope)
    try:
        found = assignments.scope_for(token.user)
    except PermissionDenied:
        raise PermissionDenied(
            _("Only a district administrator's token can read the district's data.")
        ) from None
    db.session.commit()  # the token's last use
    return found


def _page(items: list[dict[str, Any]], endpoint: str, **args: Any) -> dict[str, Any]:
    page = _whole_number("page", 1, 1, MAX_PAGE)
    limit = _whole_number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    start = (page - 1) * limit
    chosen = items[start : start + limit]
    more = start + limit < len(items)
    return {
        "items": chosen,
        "page": page,
        "limit": limit,
        "total": len(items),
        "next": (
            url_for(endpoint, page=page + 1, limit=limit, **args) if more else None
        ),
    }


@bp.get("/district/progress")
def district_progress() -> Any:
    """Every (teacher, assignment) of the token holder's district: where each
    teacher stands on each module assigned to them."""
    _unknown_arguments(PAGE_ARGS | {"status"})
    scope = _scope_for_token(scopes.PROGRESS_READ)
    standing_text = request.args.get("status")
    standing = None
    if standing_text is not None:
        if standing_text not in {s.value for s in assignments.Standing}:
            raise InvalidInput(
                _("status must be one of: done, on_track, late."), field="status"
            )
        standing = assignments.Standing(standing_text)
    rows = assignments.progress(
        db.session, scope, assignments.Filters(standing=standing)
    )
    items = [
        {
            "teacherId": row.person.id,
            "name": row.person.name,
            "email": row.person.email,
            "school": row.person.school.name if row.person.school else None,
            "assignmentId": row.assignment.id,
            "module": row.assignment.module_slug,
            "moduleTitle": row.module_title,
            "dueDate": row.assignment.due_date.isoformat(),
            "status": row.standing.value,
            "started": row.started,
            "completedAt": row.completed_at.isoformat() if row.completed_at else None,
        }
        for row in rows
    ]
    extra = {"status": standing_text} if standing_text else {}
    return jsonify(_page(items, "api.district_progress", **extra))


@bp.get("/district/ledger")
def district_ledger() -> Any:
    """The hours ledger of one school year, a line per teacher: platform hours,
    district credit and learning done elsewhere kept apart."""
    _unknown_arguments(PAGE_ARGS | {"year"})
    scope = _scope_for_token(scopes.LEDGER_READ)
    district = db.session.get(District, scope.district_id)
    if district is None:
        raise PermissionDenied(_("You are not in a district."))
    year = None
    if "year" in request.args:
        year = _whole_number("year", 0, MIN_YEAR, MAX_YEAR)
    found = ledger.district_ledger(db.session, scope, year)
    if found is None:
        raise PermissionDenied(_("You are not in a district."))
    items = [
        {
            "teacherId": line.user_id,
            "name": line.name,
            "email": line.email,
            "school": line.school_name or None,
            "platformHours": line.figures.platform_hours,
            "salaryCredit": line.figures.salary_credit,
            "recertificationCredit": line.figures.recertification_credit,
            "externalHoursApproved": line.figures.external_approved,
            "externalHoursPending": line.figures.external_pending,
            "badges": line.figures.badges,
            "modulesInProgress": line.figures.in_progress,
            "overdueAssignments": line.figures.overdue,
        }
        for line in found.teachers
    ]
    body = _page(items, "api.district_ledger", year=found.year)
    body["year"] = found.year
    body["yearLabel"] = found.year_label
    body["unit"] = found.policy.unit.value
    return jsonify(body)
