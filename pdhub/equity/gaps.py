"""From gaps to professional learning: where the team's consensus is at or below
"beginning", the catalog's modules that declare that area and divide, and assigning
one to the district's staff in one step (the districts' assignments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.db import DbSession
from pdhub.districts import assignments
from pdhub.districts.models import Assignment, AssignmentTarget, District, School
from pdhub.equity import service
from pdhub.equity.instrument import GAP_LEVEL, Indicator, Instrument
from pdhub.equity.models import EquityConsensus, EquityCycle
from pdhub.errors import InvalidInput
from pdhub.learning.localized import localized
from pdhub.learning.models import Module


@dataclass(frozen=True)
class Gap:
    indicator: Indicator
    level: int


@dataclass
class Recommendation:
    """A module that addresses one or more gaps, and whether it is assigned already."""

    slug: str
    title: str
    gaps: list[Gap] = field(default_factory=list)
    assigned: bool = False


def assessed_cycle(session: DbSession, district: District) -> EquityCycle | None:
    """The newest cycle with any consensus: the picture gaps are read from."""
    found: EquityCycle | None = session.scalar(
        select(EquityCycle)
        .where(
            EquityCycle.district_id == district.id,
            EquityCycle.id.in_(select(EquityConsensus.cycle_id)),
        )
        .order_by(EquityCycle.started_at.desc(), EquityCycle.id.desc())
        .limit(1)
    )
    return found


def gaps(session: DbSession, cycle: EquityCycle, instrument: Instrument) -> list[Gap]:
    """Indicators whose consensus is at or below ``GAP_LEVEL`` (beginning)."""
    agreed = service.consensus(session, cycle)
    return [
        Gap(indicator, agreed[indicator.id].level)
        for indicator in instrument.indicators
        if indicator.id in agreed and agreed[indicator.id].level <= GAP_LEVEL
    ]


def recommendations(
    session: DbSession, district: District, instrument: Instrument
) -> tuple[EquityCycle | None, list[Recommendation]]:
    """The modules addressing the gaps of the newest assessed cycle, those that close
    the most gaps first; each says which gaps and whether the district assigned it."""
    cycle = assessed_cycle(session, district)
    if cycle is None:
        return None, []
    found = gaps(session, cycle, instrument)
    if not found:
        return cycle, []
    assigned = set(
        session.scalars(
            select(Assignment.module_slug).where(
                Assignment.district_id == district.id,
                Assignment.cancelled_at.is_(None),
            )
        )
    )
    by_slug: dict[str, Recommendation] = {}
    for module in session.scalars(
        select(Module).where(Module.is_current.is_(True)).order_by(Module.title)
    ):
        declared = module.equity or {}
        areas = set(declared.get("areas", ()))
        divides = set(declared.get("divides", ()))
        for gap in found:
            if gap.indicator.area_id in areas and gap.indicator.divide in divides:
                item = by_slug.setdefault(
                    module.slug,
                    Recommendation(
                        module.slug,
                        localized(module).title,
                        assigned=module.slug in assigned,
                    ),
                )
                item.gaps.append(gap)
    return cycle, sorted(
        by_slug.values(), key=lambda r: (r.assigned, -len(r.gaps), r.title)
    )


def assign(
    session: DbSession,
    actor: User,
    district: District,
    instrument: Instrument,
    *,
    module_slug: str,
    due_date: date,
    school: School | None,
) -> Assignment:
    """Assign a recommended module to all the district's teachers or one school's.
    Raises PermissionDenied, InvalidInput (a module that addresses no gap)."""
    _cycle, offered = recommendations(session, district, instrument)
    if module_slug not in {r.slug for r in offered}:
        raise InvalidInput(
            _("Choose a module recommended for one of your gaps."), field="module"
        )
    return assignments.create(
        session,
        actor,
        district,
        module_slug=module_slug,
        due_date=due_date,
        target=AssignmentTarget.SCHOOL if school else AssignmentTarget.EVERYONE,
        school=school,
    )
