"""Time zones: the IANA zones a person may choose, checking a chosen name, and the zone
each person sees times in (their own choice, else their district's default, else UTC).

Times are stored in UTC; only what people read is shifted. Signed credentials, CSV
columns and API fields stay machine-readable (ISO 8601 with an offset)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from pdhub.errors import InvalidInput

if TYPE_CHECKING:
    from pdhub.accounts.models import User

UTC_NAME = "UTC"
UTC_ZONE = ZoneInfo(UTC_NAME)

#: Shown first, by the names people use: the zones of the US states and territories.
COMMON_ZONES: tuple[tuple[str, LazyString], ...] = (
    ("America/New_York", _l("Eastern time (New York)")),
    ("America/Chicago", _l("Central time (Chicago)")),
    ("America/Denver", _l("Mountain time (Denver)")),
    ("America/Phoenix", _l("Mountain time, no daylight saving (Phoenix)")),
    ("America/Los_Angeles", _l("Pacific time (Los Angeles)")),
    ("America/Anchorage", _l("Alaska time (Anchorage)")),
    ("Pacific/Honolulu", _l("Hawaii time (Honolulu)")),
    ("America/Puerto_Rico", _l("Atlantic time (Puerto Rico, US Virgin Islands)")),
    ("Pacific/Guam", _l("Chamorro time (Guam, Northern Mariana Islands)")),
    ("Pacific/Pago_Pago", _l("Samoa time (American Samoa)")),
    (UTC_NAME, _l("Coordinated Universal Time (UTC)")),
)

#: The areas of the IANA database people live in. Names outside them are legacy
#: aliases (US/Eastern, Canada/Central, Cuba) or system files (posix/…, right/…,
#: localtime, Factory) that would show every zone twice or not work everywhere.
REGIONS = (
    "America",
    "Europe",
    "Asia",
    "Africa",
    "Australia",
    "Pacific",
    "Atlantic",
    "Indian",
    "Antarctica",
    "Arctic",
)


@cache
def zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every IANA zone of each region, in alphabetical order (``America/Chicago`` …)."""
    names = available_timezones()
    return tuple(
        (region, tuple(sorted(n for n in names if n.startswith(region + "/"))))
        for region in REGIONS
    )


@cache
def choosable_zones() -> frozenset[str]:
    """The names a person or a district may choose: the common ones, every region's."""
    return frozenset(name for name, _label in COMMON_ZONES) | frozenset(
        name for _region, names in zone_groups() for name in names
    )


def clean_zone_name(name: str | None, *, field: str = "time_zone") -> str | None:
    """The zone name to store for a choice: ``None`` for an empty choice (use the
    default), or a known IANA name. Raises InvalidInput for anything else."""
    cleaned = (name or "").strip()
    if not cleaned:
        return None
    if cleaned not in choosable_zones():
        raise InvalidInput(
            _(
                "Choose a time zone from the list, for example America/Chicago "
                "(Central time)."
            ),
            field=field,
        )
    return cleaned


def zone_named(name: str | None) -> ZoneInfo:
    """The zone for a stored name; UTC for none, or for a name this system no longer
    knows (the IANA database retires names rarely, but a page must still show)."""
    if not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def zone_name_for(user: User) -> str:
    """The zone ``user`` sees: their own choice, else their district's, else UTC."""
    if user.time_zone:
        return user.time_zone
    if user.district is not None and user.district.time_zone:
        return user.district.time_zone
    return UTC_NAME


def zone_for(user: User) -> ZoneInfo:
    return zone_named(zone_name_for(user))


def zone_label(name: str | None) -> str:
    """How a zone name reads on a page: the everyday name for the common ones."""
    if not name or name == UTC_NAME:
        return UTC_NAME
    common = dict(COMMON_ZONES).get(name)
    return str(common) if common is not None else name.replace("_", " ")


def local_moment(day: date, clock: time, zone: tzinfo) -> datetime:
    """The moment ``day`` at ``clock`` on the wall clocks of ``zone`` (a form's date
    and time, read in the person's zone), as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
