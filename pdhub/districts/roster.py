"""Roster imports: a OneRoster 1.2 ``users.csv`` (with ``orgs.csv`` for schools) or a
simple ``name,email,school,role`` CSV, checked in full before anything is written,
then applied by a job that matches people by their roster id first, then by email.

Applying a roster of a source (OneRoster or the simple CSV) updates the people it
lists, invites those without an account, and deactivates the people an earlier
import of the same source listed and this one does not. A file with any problem is
never applied: a person whose row is wrong would otherwise be taken as having left.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select, update

from pdhub import jobs, tasks
from pdhub.accounts import service as accounts
from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.db import DbSession, utcnow
from pdhub.districts import policies
from pdhub.districts import service as districts
from pdhub.districts.models import (
    District,
    Invitation,
    RosterEntry,
    RosterImport,
    RosterImportStatus,
    RosterSource,
    School,
)
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.i18n import LANGUAGES
from pdhub.submissions.service import safe_filename

#: Largest file accepted (a 50,000-person roster is about 8 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
#: Rows applied per commit: the progress bar moves this many at a time.
CHUNK = 500
#: Problems kept for the preview (a file with more is wrong throughout).
MAX_PROBLEMS = 1000

EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")

#: OneRoster 1.2 roles: the staff roles PD Hub imports, and those it leaves out.
ONEROSTER_ROLES: dict[str, Role | None] = {
    "teacher": Role.TEACHER,
    "aide": Role.TEACHER,
    "principal": Role.SCHOOL_LEADER,
    "siteadministrator": Role.SCHOOL_LEADER,
    "administrator": None,
    "districtadministrator": None,
    "systemadministrator": None,
    "proctor": None,
    "student": None,
    "guardian": None,
    "parent": None,
    "relative": None,
}
SIMPLE_ROLES = {
    "": Role.TEACHER,
    "teacher": Role.TEACHER,
    "coach": Role.COACH,
    "school leader": Role.SCHOOL_LEADER,
    "school_leader": Role.SCHOOL_LEADER,
    "principal": Role.SCHOOL_LEADER,
}
ONEROSTER_REQUIRED = ("sourcedId", "givenName", "familyName", "role")
ORGS_REQUIRED = ("sourcedId", "name", "type")
SIMPLE_REQUIRED = ("name", "email")


@dataclass
class Problem:
    file: str
    line: int
    column: str
    message: str
    #: The record's sourcedId, where it came from the OneRoster API (no lines there).
    record: str = ""

    def as_dict(self) -> dict[str, Any]:
        found = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }
        return {**found, "record": self.record} if self.record else found


@dataclass
class Reading:
    """What a roster file holds: the people to apply and every problem found."""

    source: RosterSource
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    schools: set[str] = field(default_factory=set)
    skipped: int = 0

    def problem(self, file: str, line: int, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(file, line, column, message))


def _text(data: bytes, name: str) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _(
                "%(file)s is larger than %(mb)d MB. Split it into smaller files.",
                file=name,
                mb=MAX_UPLOAD_BYTES // (1024 * 1024),
            ),
            field="users",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _(
                "%(file)s is not saved as UTF-8 text. Save it again as "
                '"CSV UTF-8" and upload it.',
                file=name,
            ),
            field="users",
        ) from None


def _records(
    text: str, name: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and each data row with its line number (blank lines skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        rows: list[tuple[int, dict[str, str]]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise InvalidInput(
                    _(
                        "%(file)s has more than %(max)s rows. Split it into "
                        "smaller files.",
                        file=name,
                        max=format_decimal(MAX_ROWS),
                    ),
                    field="users",
                )
            values = {
                column: (cells[index].strip() if index < len(cells) else "")
                for index, column in enumerate(header)
            }
            rows.append((reader.line_num, values))
    except csv.Error as error:
        raise InvalidInput(
            _(
                "%(file)s is not a CSV file we can read (line %(line)d: %(error)s).",
                file=name,
                line=reader.line_num,
                error=str(error),
            ),
            field="users",
        ) from None
    return header, rows


def _missing(header: Iterable[str], required: Iterable[str]) -> list[str]:
    have = {column.lower() for column in header}
    return [column for column in required if column.lower() not in have]


def _get(values: dict[str, str], column: str) -> str:
    for key, value in values.items():
        if key.lower() == column.lower():
            return value
    return ""


def _language(
    reading: Reading, file: str, line: int, values: dict[str, str]
) -> str | None:
    raw = _get(values, "language").lower().replace("_", "-")
    if not raw:
        return None
    code = raw.split("-")[0]
    if code not in LANGUAGES:
        reading.problem(
            file,
            line,
            "language",
            _(
                '"%(value)s" is not a language PD Hub speaks (%(codes)s).',
                value=raw,
                codes=", ".join(LANGUAGES),
            ),
        )
        return None
    return code


def _email(reading: Reading, file: str, line: int, column: str, raw: str) -> str:
    if not raw:
        reading.problem(file, line, column, _("The email address is missing."))
        return ""
    if not EMAIL.match(raw) or len(raw) > 254:
        reading.problem(
            file, line, column, _('"%(value)s" is not an email address.', value=raw)
        )
        return ""
    return accounts.normalize_email(raw)


def _check_duplicates(reading: Reading, file: str) -> None:
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in reading.rows:
        sourced_id, email, line = row["sourced_id"], row["email"], row["line"]
        if sourced_id in seen_ids:
            reading.problem(
                file,
                line,
                "sourcedId" if reading.source is RosterSource.ONEROSTER else "email",
                _(
                    "This person is listed twice (first on line %(line)d).",
                    line=seen_ids[sourced_id],
                ),
            )
        seen_ids.setdefault(sourced_id, line)
        if email and email in seen_emails and seen_ids[sourced_id] == line:
            reading.problem(
                file,
                line,
                "email",
                _(
                    "Another person on line %(line)d has this email address.",
                    line=seen_emails[email],
                ),
            )
        if email:
            seen_emails.setdefault(email, line)


def read_orgs(text: str, reading: Reading) -> dict[str, str]:
    """The school names of a OneRoster ``orgs.csv``, by sourcedId."""
    header, records = _records(text, "orgs.csv")
    return check_orgs(reading, header, records)


def check_orgs(
    reading: Reading,
    header: list[str],
    records: list[tuple[int, dict[str, str]]],
    file: str = "orgs.csv",
) -> dict[str, str]:
    """The school names among OneRoster org records (CSV rows, or the REST API's
    orgs as the same columns), by sourcedId; problems go to ``reading``."""
    missing = _missing(header, ORGS_REQUIRED)
    if missing:
        reading.problem(
            "orgs.csv",
            1,
            missing[0],
            _(
                "orgs.csv has no %(columns)s column. The first line must name the "
                "columns (sourcedId, name, type, parentSourcedId).",
                columns=", ".join(missing),
            ),
        )
        return {}
    schools: dict[str, str] = {}
    seen: set[str] = set()
    for line, values in records:
        sourced_id, name = (
            _get(values, "sourcedId"),
            " ".join(_get(values, "name").split()),
        )
        kind = _get(values, "type").lower()
        if not sourced_id:
            reading.problem(file, line, "sourcedId", _("The sourcedId is missing."))
            continue
        if sourced_id in seen:
            reading.problem(file, line, "sourcedId", _("This org is listed twice."))
            continue
        seen.add(sourced_id)
        if kind != "school":
            continue  # districts, departments and the like hold no staff here
        if not name or len(name) > 160:
            reading.problem(
                file, line, "name", _("Enter a name of 1 to 160 characters.")
            )
            continue
        schools[sourced_id] = name
    return schools


def read_oneroster(users: str, orgs: str | None) -> Reading:
    reading = Reading(RosterSource.ONEROSTER)
    schools = read_orgs(orgs, reading) if orgs is not None else None
    header, records = _records(users, "users.csv")
    return check_oneroster(reading, header, records, schools)


def check_oneroster(
    reading: Reading,
    header: list[str],
    records: list[tuple[int, dict[str, str]]],
    schools: dict[str, str] | None,
    file: str = "users.csv",
    orgs_file: str = "orgs.csv",
) -> Reading:
    """Check OneRoster user records (users.csv rows, or the REST API's users as the
    same columns) into ``reading``'s rows and problems: the one place the OneRoster
    rules live, whether the roster was uploaded or fetched. ``schools`` are the orgs
    read beside them (None: no orgs given, so people keep their school)."""
    missing = _missing(header, ONEROSTER_REQUIRED)
    if missing or not (
        _missing(header, ["email"]) == [] or _missing(header, ["username"]) == []
    ):
        reading.problem(
            file,
            1,
            (missing or ["email"])[0],
            _(
                "users.csv has no %(columns)s column. The first line must name the "
                "columns (sourcedId, status, enabledUser, orgSourcedIds, role, "
                "username, givenName, familyName, email).",
                columns=", ".join(missing or ["email"]),
            ),
        )
        return reading
    for line, values in records:
        sourced_id = _get(values, "sourcedId")
        if not sourced_id:
            reading.problem(file, line, "sourcedId", _("The sourcedId is missing."))
            continue
        if len(sourced_id) > 255:
            reading.problem(file, line, "sourcedId", _("The sourcedId is too long."))
            continue
        role_value = _get(values, "role")
        if role_value.lower() not in ONEROSTER_ROLES:
            reading.problem(
                file,
                line,
                "role",
                _(
                    '"%(value)s" is not a OneRoster role (teacher, aide, principal, '
                    "siteAdministrator, …).",
                    value=role_value,
                ),
            )
            continue
        role = ONEROSTER_ROLES[role_value.lower()]
        if role is None:
            reading.skipped += 1  # students, parents, district offices: not imported
            continue
        if _get(values, "status").lower() == "tobedeleted" or (
            _get(values, "enabledUser").lower() == "false"
        ):
            continue  # left, or switched off: absent from the roster
        given = " ".join(_get(values, "givenName").split())
        family = " ".join(_get(values, "familyName").split())
        name = f"{given} {family}".strip()
        if not given:
            reading.problem(file, line, "givenName", _("The given name is missing."))
        if len(name) > 120:
            reading.problem(
                file,
                line,
                "familyName",
                _("The name is longer than 120 characters."),
            )
        raw_email = _get(values, "email")
        column = "email"
        if not raw_email and EMAIL.match(_get(values, "username")):
            raw_email, column = _get(values, "username"), "username"
        email = _email(reading, file, line, column, raw_email)
        school = None
        orgs_value = _get(values, "orgSourcedIds") or _get(
            values, "primaryOrgSourcedId"
        )
        if orgs_value and schools is not None:
            org_ids = [part.strip() for part in orgs_value.split(",") if part.strip()]
            school = next((schools[o] for o in org_ids if o in schools), None)
            if school is None:
                reading.problem(
                    file,
                    line,
                    "orgSourcedIds",
                    _(
                        "No school in %(file)s has the sourcedId %(value)s.",
                        file=orgs_file,
                        value=orgs_value,
                    ),
                )
        language = _language(reading, file, line, values)
        if school:
            reading.schools.add(school)
        reading.rows.append(
            {
                "line": line,
                "sourced_id": sourced_id,
                "email": email,
                "name": name,
                "role": role.value,
                "school": school,
                "language": language,
            }
        )
    _check_duplicates(reading, file)
    return reading


def read_simple(text: str, name: str) -> Reading:
    reading = Reading(RosterSource.SIMPLE)
    header, records = _records(text, name)
    missing = _missing(header, SIMPLE_REQUIRED)
    if missing:
        reading.problem(
            name,
            1,
            missing[0],
            _(
                "%(file)s has no %(columns)s column. The first line must name the "
                "columns: name, email, school, role.",
                file=name,
                columns=", ".join(missing),
            ),
        )
        return reading
    for line, values in records:
        person = " ".join(_get(values, "name").split())
        if not person or len(person) > 120:
            reading.problem(
                name, line, "name", _("Enter a name of 1 to 120 characters.")
            )
        email = _email(reading, name, line, "email", _get(values, "email"))
        role_value = " ".join(_get(values, "role").lower().split())
        role = SIMPLE_ROLES.get(role_value)
        if role is None:
            reading.problem(
                name,
                line,
                "role",
                _(
                    '"%(value)s" is not a role here: use teacher, coach or '
                    "school leader.",
                    value=_get(values, "role"),
                ),
            )
        school = " ".join(_get(values, "school").split()) or None
        if school and len(school) > 160:
            reading.problem(
                name, line, "school", _("Enter a name of 1 to 160 characters.")
            )
            school = None
        language = _language(reading, name, line, values)
        if school:
            reading.schools.add(school)
        reading.rows.append(
            {
                "line": line,
                "sourced_id": email,
                "email": email,
                "name": person,
                "role": (role or Role.TEACHER).value,
                "school": school,
                "language": language,
            }
        )
    _check_duplicates(reading, name)
    return reading


def read_upload(
    users: tuple[str, bytes], orgs: tuple[str, bytes] | None = None
) -> Reading:
    """Read a roster upload; which kind it is follows from its header. Raises
    InvalidInput for a file that is not a readable CSV at all."""
    users_name, users_data = users
    text = _text(users_data, users_name)
    first_line = text.split("\n", 1)[0]
    orgs_text = _text(orgs[1], orgs[0]) if orgs is not None else None
    if "sourcedid" in first_line.lower():
        return read_oneroster(text, orgs_text)
    if orgs_text is not None:
        raise InvalidInput(
            _(
                "orgs.csv goes with a OneRoster users.csv; %(file)s is not one (its "
                "first line has no sourcedId column).",
                file=users_name,
            ),
            field="orgs",
        )
    return read_simple(text, users_name)


# --- the preview, the confirmation and the job ---------------------------------------


def create_preview(
    session: DbSession,
    actor: User,
    district: District,
    users: tuple[str, bytes],
    orgs: tuple[str, bytes] | None = None,
) -> RosterImport:
    """Read and check an upload; save it as a preview (no person is touched)."""
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    if not users[1].strip():
        raise InvalidInput(_("The file is empty."), field="users")
    # The names are shown back and stored: no path, NUL or direction character.
    users = (safe_filename(users[0]), users[1])
    orgs = (safe_filename(orgs[0]), orgs[1]) if orgs is not None else None
    return save_preview(session, actor, district, read_upload(users, orgs), users[0])


def save_preview(
    session: DbSession,
    actor: User,
    district: District,
    reading: Reading,
    filename: str,
) -> RosterImport:
    """Save a checked reading (of a file, or fetched from a OneRoster provider) as a
    preview import: what applying it would do is shown, nothing else is touched."""
    if not reading.rows and not reading.problems:
        reading.problem(
            filename, 2, "", _("The file lists nobody PD Hub imports (staff only).")
        )
    known = {school.name.lower() for school in district.schools}
    new_schools = sorted(s for s in reading.schools if s.lower() not in known)
    preview = RosterImport(
        district_id=district.id,
        created_by_id=actor.id,
        source=reading.source,
        filename=filename[:255],
        rows=reading.rows,
        problems=[p.as_dict() for p in reading.problems],
        new_schools=new_schools,
        total=len(reading.rows),
        outcome={"not_staff": reading.skipped},
    )
    session.add(preview)
    session.flush()
    return preview


@dataclass(frozen=True)
class PreviewSummary:
    """What applying a preview would do, counted against the district as it is."""

    new: int
    updated: int
    leaving: int


def summarize(session: DbSession, roster: RosterImport) -> PreviewSummary:
    entries = {
        entry.sourced_id
        for entry in session.scalars(
            select(RosterEntry).where(
                RosterEntry.district_id == roster.district_id,
                RosterEntry.source == roster.source,
                RosterEntry.active.is_(True),
            )
        )
    }
    emails = set(
        session.scalars(
            select(User.email).where(User.district_id == roster.district_id)
        )
    )
    listed = {row["sourced_id"] for row in roster.rows}
    known = sum(
        1
        for row in roster.rows
        if row["sourced_id"] in entries or row["email"] in emails
    )
    return PreviewSummary(
        new=len(roster.rows) - known, updated=known, leaving=len(entries - listed)
    )


def get_import(session: DbSession, district: District, import_id: int) -> RosterImport:
    """One of ``district``'s imports; NotFound for another district's."""
    roster: RosterImport | None = session.get(RosterImport, import_id)
    if roster is None or roster.district_id != district.id:
        raise NotFound(_("There is no such roster import."))
    return roster


def confirm(session: DbSession, actor: User, roster: RosterImport) -> None:
    """Start applying a clean preview (once: a second confirmation changes nothing)."""
    if mark_confirmed(session, actor, roster):
        jobs.enqueue(tasks.APPLY_ROSTER_IMPORT, roster.id)


def mark_confirmed(session: DbSession, actor: User, roster: RosterImport) -> bool:
    """Mark a clean preview as confirmed (audited); False if it already was. The
    caller starts the job that applies it."""
    district = session.get(District, roster.district_id)
    if district is None or not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    if roster.problems:
        raise InvalidInput(
            _("Correct the problems in the file and upload it again first.")
        )
    if roster.status is not RosterImportStatus.PREVIEW:
        return False
    roster.status = RosterImportStatus.QUEUED
    roster.applied_at = utcnow()
    audit.record(
        session,
        AuditAction.ROSTER_IMPORT,
        actor=actor,
        district_id=roster.district_id,
        object_type="roster_import",
        object_id=roster.id,
    )
    session.flush()
    return True


def recent_imports(session: DbSession, district: District) -> list[RosterImport]:
    return list(
        session.scalars(
            select(RosterImport)
            .where(RosterImport.district_id == district.id)
            .order_by(RosterImport.created_at.desc(), RosterImport.id.desc())
            .limit(10)
        )
    )


def apply_chunk(session: DbSession, import_id: int) -> bool:
    """Apply the next ``CHUNK`` rows of a confirmed import; True when it is finished.
    Each call is committed by its caller, so a rerun after a crash resumes where the
    last commit left it (and re-applying a row changes nothing)."""
    roster = session.get(RosterImport, import_id, with_for_update=True)
    if roster is None or roster.status not in (
        RosterImportStatus.QUEUED,
        RosterImportStatus.APPLYING,
    ):
        return True
    district = session.get(District, roster.district_id)
    actor = session.get(User, roster.created_by_id or 0)
    if district is None or actor is None:
        roster.status = RosterImportStatus.FAILED
        roster.finished_at = utcnow()
        return True
    roster.status = RosterImportStatus.APPLYING
    outcome = dict(roster.outcome or {})
    schools = _schools(session, district, roster)
    rows = roster.rows[roster.processed : roster.processed + CHUNK]
    entries = {
        entry.sourced_id: entry
        for entry in session.scalars(
            select(RosterEntry).where(
                RosterEntry.district_id == district.id,
                RosterEntry.source == roster.source,
                RosterEntry.sourced_id.in_([row["sourced_id"] for row in rows]),
            )
        )
    }
    emails = [row["email"] for row in rows] + [e.email for e in entries.values()]
    users = {
        user.email: user
        for user in session.scalars(select(User).where(User.email.in_(emails)))
    }
    invited = set(
        session.scalars(
            select(Invitation.email).where(
                Invitation.district_id == district.id,
                Invitation.email.in_(emails),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
        )
    )
    invitees: list[districts.Invitee] = []
    for row in rows:
        result = _apply_row(
            session, actor, district, roster, row, entries, users, schools
        )
        if result == "invite":
            if row["email"] in invited:
                result = "unchanged"  # invited before and not answered yet
            else:
                invitees.append(
                    districts.Invitee(
                        row["email"],
                        Role(row["role"]),
                        schools.get(row["school"].lower()) if row["school"] else None,
                        row["language"],
                    )
                )
                invited.add(row["email"])
                result = "invited"
        outcome[result] = outcome.get(result, 0) + 1
    districts.invite_many(session, actor, district, invitees)
    roster.processed += len(rows)
    roster.outcome = outcome
    if roster.processed < roster.total:
        return False
    # A new dict: SQLAlchemy sees a JSON column change only on assignment.
    roster.outcome = {
        **outcome,
        "deactivated": _retire_leavers(session, district, roster),
    }
    roster.status = RosterImportStatus.DONE
    roster.finished_at = utcnow()
    return True


def apply_all(session: DbSession, import_id: int) -> None:
    """Apply every row of a confirmed import within the caller's transaction: all of
    it is committed together, or (rolled back) none of it."""
    while not apply_chunk(session, import_id):
        pass


def _schools(
    session: DbSession, district: District, roster: RosterImport
) -> dict[str, School]:
    by_name = {
        school.name.lower(): school
        for school in session.scalars(
            select(School).where(School.district_id == district.id)
        )
    }
    for name in roster.new_schools:
        if name.lower() not in by_name:
            school = School(district_id=district.id, name=name)
            session.add(school)
            session.flush()
            by_name[name.lower()] = school
    return by_name


def _apply_row(
    session: DbSession,
    actor: User,
    district: District,
    roster: RosterImport,
    row: dict[str, Any],
    entries: dict[str, RosterEntry],
    users: dict[str, User],
    schools: dict[str, School],
) -> str:
    """Bring one person's entry and account up to their row; returns what happened
    ("updated", "unchanged", "email_taken"), or "invite" for someone without an
    account in the district."""
    school = schools.get(row["school"].lower()) if row["school"] else None
    role = Role(row["role"])
    entry = entries.get(row["sourced_id"])
    if entry is None:
        entry = RosterEntry(
            district_id=district.id,
            source=roster.source,
            sourced_id=row["sourced_id"],
            email=row["email"],
            name=row["name"],
            role=role,
        )
        session.add(entry)
        entries[row["sourced_id"]] = entry
    old_email = entry.email
    user = entry.user if entry.user_id else None
    if user is None:
        # Not linked yet (invited, maybe accepted since): by the new email, else by
        # the one the roster had before.
        for address in (row["email"], old_email):
            found = users.get(address)
            if found is not None and found.district_id == district.id:
                user = found
                break
    entry.email, entry.name, entry.role = row["email"], row["name"], role
    entry.school_id = school.id if school else None
    entry.language = row["language"]
    entry.active = True
    entry.last_import_id = roster.id
    if user is not None:
        entry.user_id = user.id
        return _update_user(session, user, row, role, school, users)
    if old_email != row["email"]:
        _revoke_open_invitations(session, district, old_email)
    return "invite"


def _update_user(
    session: DbSession,
    user: User,
    row: dict[str, Any],
    role: Role,
    school: School | None,
    users: dict[str, User],
) -> str:
    changed = False
    if user.email != row["email"]:
        taken = users.get(row["email"]) or session.scalar(
            select(User).where(User.email == row["email"])
        )
        if taken is not None and taken.id != user.id:
            return "email_taken"
        users.pop(user.email, None)
        user.email = row["email"]
        users[user.email] = user
        changed = True
    if user.name != row["name"] and row["name"]:
        user.name = row["name"]
        changed = True
    # The roster never changes district or platform administrators' roles.
    if (
        user.role in (Role.TEACHER, Role.COACH, Role.SCHOOL_LEADER)
        and user.role is not role
    ):
        audit.record(
            session,
            AuditAction.ROLE_CHANGE,
            subject=user,
            object_type="user",
            object_id=user.id,
            detail={"from": user.role.value, "to": role.value, "by": "roster"},
        )
        user.role = role
        accounts.end_all_sessions(session, user)
        changed = True
    if school is not None and user.school_id != school.id:
        user.school_id = school.id
        changed = True
    if not user.active:
        user.active = True
        changed = True
    return "updated" if changed else "unchanged"


def _revoke_open_invitations(
    session: DbSession, district: District, email: str
) -> None:
    session.execute(
        update(Invitation)
        .where(
            Invitation.district_id == district.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def _retire_leavers(
    session: DbSession, district: District, roster: RosterImport
) -> int:
    """Deactivate the people an earlier import of this source listed and this one
    does not (their open invitations stop working); returns how many."""
    leavers = list(
        session.scalars(
            select(RosterEntry).where(
                RosterEntry.district_id == district.id,
                RosterEntry.source == roster.source,
                RosterEntry.active.is_(True),
                (RosterEntry.last_import_id != roster.id)
                | RosterEntry.last_import_id.is_(None),
            )
        )
    )
    for entry in leavers:
        entry.active = False
        _revoke_open_invitations(session, district, entry.email)
        user = entry.user
        if (
            user is not None
            and user.district_id == district.id
            and user.role in (Role.TEACHER, Role.COACH, Role.SCHOOL_LEADER)
            and user.active
        ):
            user.active = False
            accounts.end_all_sessions(session, user)
    session.flush()
    return len(leavers)
