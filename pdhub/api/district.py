"""District endpoints of the JSON API: staff progress on assigned modules and the
hours ledger, for a district administrator's token holding the matching scope,
paginated with page and limit. Registered on the API blueprint."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from pdhub.accounts import scopes
from pdhub.api.limits import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    MAX_YEAR,
    MIN_YEAR,
)
from pdhub.api.views import UnsupportedMediaType, _token, bp
from pdhub.districts import assignments, ledger, policies, roster
from pdhub.districts.models import District, RosterImport, RosterImportStatus
from pdhub.errors import Conflict, InvalidInput, PermissionDenied
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


# --- rosters (roster:write) -----------------------------------------------------------


def _roster_district() -> tuple[Any, District]:
    token = _token(bulk=False, scope=scopes.ROSTER_WRITE)
    user = token.user
    district = db.session.get(District, user.district_id or 0)
    if district is None or not policies.can_manage_district(user, district):
        raise PermissionDenied(
            _("Only a district administrator's token can import the staff roster.")
        )
    return user, district


def _roster_json(item: RosterImport) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": item.id,
        "status": item.status.value,
        "source": item.source.value,
        "total": item.total,
        "processed": item.processed,
        "problems": item.problems,
        "newSchools": item.new_schools,
        "outcome": item.outcome,
        "links": {
            "self": url_for("api.roster_import", import_id=item.id),
            "apply": url_for("api.apply_roster_import", import_id=item.id),
        },
    }
    if item.status is RosterImportStatus.PREVIEW and not item.problems:
        summary = roster.summarize(db.session, item)
        body["summary"] = {
            "new": summary.new,
            "updated": summary.updated,
            "leaving": summary.leaving,
        }
    return body


def _file(name: str) -> tuple[str, bytes] | None:
    upload = request.files.get(name)
    if upload is None:
        return None
    return upload.filename or f"{name}.csv", upload.read()


@bp.post("/district/roster")
def start_roster_import() -> Any:
    """Upload a staff roster (a OneRoster users.csv with an optional orgs.csv, or the
    simple name/email/school/role CSV) and get its preview: every problem by file,
    line and column, and what applying it would do. Nothing changes until applied."""
    user, district = _roster_district()
    request.max_content_length = _max_upload()
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            _("Send the roster as multipart/form-data, in a field named users.")
        )
    users = _file("users")
    if users is None or set(request.files) - {"users", "orgs"}:
        raise InvalidInput(
            _("Upload the staff file in the field named users (and orgs, optional)."),
            field="users",
        )
    preview = roster.create_preview(db.session, user, district, users, _file("orgs"))
    body = _roster_json(preview)
    db.session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = body["links"]["self"]
    return response


@bp.get("/district/roster/<int:import_id>")
def roster_import(import_id: int) -> Any:
    """One of the district's roster imports: its preview, then its progress."""
    _user, district = _roster_district()
    found = roster.get_import(db.session, district, import_id)
    body = _roster_json(found)
    db.session.commit()  # the token's last use
    return jsonify(body)


@bp.post("/district/roster/<int:import_id>/apply")
def apply_roster_import(import_id: int) -> Any:
    """Apply a clean preview: a job invites new people, updates the others and
    deactivates those no longer listed (once: applying again changes nothing)."""
    user, district = _roster_district()
    found = roster.get_import(db.session, district, import_id)
    if found.problems:
        # The request is well formed; the import's state refuses it.
        raise Conflict(_("Correct the problems in the file and upload it again first."))
    roster.confirm(db.session, user, found)
    body = _roster_json(found)
    db.session.commit()
    response = jsonify(body)
    response.status_code = 202
    return response


def _max_upload() -> int:
    return int(current_app.config["PDHUB_MAX_UPLOAD_MB"]) * 1024 * 1024
