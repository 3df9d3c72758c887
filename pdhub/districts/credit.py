"""The credit a district grants: its unit (hours, points or CEUs), the month its
school year starts, one or two approval stages for learning done elsewhere, and which
modules count for salary credit or recertification, worth how many units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pdhub.accounts import timezones
from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.districts import policies
from pdhub.districts.models import CreditPolicy, CreditUnit, District, ModuleCredit
from pdhub.errors import InvalidInput, PermissionDenied
from pdhub.learning.models import Module

DEFAULT_YEAR_START_MONTH = 7
#: The most units one module may be worth (a typo guard, not a rule of any state).
MAX_UNITS = 1000.0

UNIT_NAMES = {
    CreditUnit.HOURS: _l("Hours"),
    CreditUnit.POINTS: _l("Points"),
    CreditUnit.CEUS: _l("CEUs (continuing education units)"),
}


def unit_name(unit: CreditUnit) -> str:
    """The unit inside a heading ("Worth (hours)", "Salary credit (CEUs)")."""
    return str(
        {
            CreditUnit.HOURS: _("hours"),
            CreditUnit.POINTS: _("points"),
            CreditUnit.CEUS: _("CEUs"),
        }[unit]
    )


def policy_for(session: DbSession, district_id: int) -> CreditPolicy:
    """The district's policy; the defaults (not saved) for a district without one."""
    found = session.get(CreditPolicy, district_id)
    if found is not None:
        return found
    return CreditPolicy(
        district_id=district_id,
        unit=CreditUnit.HOURS,
        year_start_month=DEFAULT_YEAR_START_MONTH,
        two_stage=False,
    )


def save_policy(
    session: DbSession,
    actor: User,
    district: District,
    *,
    unit: CreditUnit,
    year_start_month: int,
    two_stage: bool,
) -> CreditPolicy:
    """Raises PermissionDenied, InvalidInput."""
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    if not 1 <= year_start_month <= 12:
        raise InvalidInput(_("Choose a month."), field="year_start_month")
    policy = session.get(CreditPolicy, district.id)
    if policy is None:
        policy = CreditPolicy(district_id=district.id)
        session.add(policy)
    policy.unit = unit
    policy.year_start_month = year_start_month
    policy.two_stage = two_stage
    policy.updated_at = utcnow()
    session.flush()
    return policy


# --- school years ---------------------------------------------------------------------


def year_of(day: date, start_month: int) -> int:
    """The school year ``day`` falls in, named by the calendar year it starts in."""
    return day.year if day.month >= start_month else day.year - 1


def year_label(year: int, start_month: int) -> str:
    """ "2025–26", or "2026" for a district whose year starts in January."""
    if start_month == 1:
        return str(year)
    return f"{year}–{(year + 1) % 100:02d}"


def year_dates(year: int, start_month: int) -> tuple[date, date]:
    """The first day of the school year and the first day of the next."""
    return date(year, start_month, 1), date(year + 1, start_month, 1)


def year_moments(
    district: District, year: int, start_month: int
) -> tuple[datetime, datetime]:
    """The school year as instants (midnight where the district is), for timestamps."""
    zone = timezones.zone_named(district.time_zone)
    first, after = year_dates(year, start_month)
    return (
        datetime.combine(first, time(), zone),
        datetime.combine(after, time(), zone),
    )


# --- module credit --------------------------------------------------------------------


@dataclass(frozen=True)
class CreditRow:
    """A current module and the credit the district grants for it (if any)."""

    slug: str
    title: str
    hours: float
    salary: bool
    recertification: bool
    units: float | None


def credit_table(session: DbSession, district: District) -> list[CreditRow]:
    """Every module in the catalog with the district's credit for it, by title."""
    granted = {
        row.module_slug: row
        for row in session.scalars(
            select(ModuleCredit).where(ModuleCredit.district_id == district.id)
        )
    }
    rows = []
    for slug, title, hours in session.execute(
        select(Module.slug, Module.title, Module.hours)
        .where(Module.is_current.is_(True))
        .order_by(Module.title)
    ):
        credit = granted.get(slug)
        rows.append(
            CreditRow(
                slug,
                title,
                hours,
                bool(credit and credit.salary),
                bool(credit and credit.recertification),
                credit.units if credit else None,
            )
        )
    return rows


@dataclass(frozen=True)
class CreditChoice:
    """What the administrator chose for one module."""

    slug: str
    salary: bool
    recertification: bool
    units: float | None


def save_credits(
    session: DbSession, actor: User, district: District, choices: list[CreditChoice]
) -> int:
    """Replace the district's module credit with ``choices`` (a module with neither
    box ticked counts for nothing). Returns how many modules now count.
    Raises PermissionDenied, InvalidInput (field ``units-<slug>``)."""
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    known = set(session.scalars(select(Module.slug).where(Module.is_current.is_(True))))
    existing = {
        row.module_slug: row
        for row in session.scalars(
            select(ModuleCredit).where(ModuleCredit.district_id == district.id)
        )
    }
    counted = 0
    for choice in choices:
        if choice.slug not in known:
            continue
        row = existing.get(choice.slug)
        if not (choice.salary or choice.recertification):
            if row is not None:
                session.delete(row)
            continue
        if choice.units is None or not 0 < choice.units <= MAX_UNITS:
            raise InvalidInput(
                _(
                    "Enter a number greater than 0 and at most %(max)d.",
                    max=int(MAX_UNITS),
                ),
                field=f"units-{choice.slug}",
            )
        if row is None:
            row = ModuleCredit(district_id=district.id, module_slug=choice.slug)
            session.add(row)
        row.salary = choice.salary
        row.recertification = choice.recertification
        row.units = choice.units
        row.updated_at = utcnow()
        counted += 1
    session.flush()
    return counted
