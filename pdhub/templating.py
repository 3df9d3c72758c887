"""Template globals: role-aware navigation, dates, times and numbers in the reader's
language (Babel's CLDR data) and time zone, unread counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, g, has_request_context, request, url_for
from flask_babel import format_percent, get_locale, ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from pdhub.accounts import timezones
from pdhub.accounts.models import Role
from pdhub.db import utcnow


@dataclass(frozen=True)
class NavItem:
    label: str | LazyString
    endpoint: str
    roles: frozenset[Role]


#: Navigation, in order. Feature packages append their entries here at import time,
#: so the browser crawl reaches every page a role can see.
NAVIGATION: list[NavItem] = [
    NavItem(_l("Dashboard"), "home.dashboard", frozenset(Role)),
    NavItem(
        _l("My district"),
        "districts.overview",
        frozenset({Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}),
    ),
    NavItem(_l("Districts"), "admin.districts", frozenset({Role.ADMIN})),
    NavItem(_l("People"), "admin.users", frozenset({Role.ADMIN})),
    NavItem(_l("My badges"), "credentials.my_badges", frozenset({Role.TEACHER})),
    NavItem(_l("Credentials"), "credentials.admin_index", frozenset({Role.ADMIN})),
    NavItem(_l("Review queue"), "review.queue", frozenset({Role.COACH})),
    NavItem(
        _l("Coaches"), "review.coaches", frozenset({Role.DISTRICT_ADMIN, Role.ADMIN})
    ),
    NavItem(
        _l("Review turnaround"),
        "review.turnaround",
        frozenset({Role.DISTRICT_ADMIN, Role.ADMIN}),
    ),
    NavItem(_l("Failed jobs"), "admin.jobs", frozenset({Role.ADMIN})),
    NavItem(_l("Account"), "accounts.profile", frozenset(Role)),
    NavItem(_l("Verify a badge"), "verification.verify", frozenset(Role)),
    NavItem(
        _l("Verify in bulk"),
        "verification.batches_page",
        frozenset({Role.DISTRICT_ADMIN}),
    ),
]

# Learning: everyone may browse the catalog; teachers have their own learning.
NAVIGATION.insert(1, NavItem(_l("Catalog"), "learning.catalog", frozenset(Role)))
NAVIGATION.insert(
    2, NavItem(_l("My learning"), "learning.my_learning", frozenset({Role.TEACHER}))
)
NAVIGATION.insert(3, NavItem(_l("Communities"), "communities.index", frozenset(Role)))
NAVIGATION.insert(
    4,
    NavItem(
        _l("Cohorts"),
        "cohorts.index",
        frozenset({Role.TEACHER, Role.COACH, Role.DISTRICT_ADMIN, Role.ADMIN}),
    ),
)
NAVIGATION.insert(
    5,
    NavItem(
        _l("Coaching"),
        "coaching.index",
        frozenset({Role.TEACHER, Role.COACH, Role.ADMIN}),
    ),
)


def nav_items() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for item in NAVIGATION:
        if current_user.role in item.roles:
            href = url_for(item.endpoint)
            items.append(
                {
                    "label": str(item.label),
                    "href": href,
                    "current": request.path == href
                    or (href != "/" and request.path.startswith(href + "/")),
                }
            )
    return items


def zone_abbreviation(moment: datetime) -> str:
    """The zone's short name at ``moment`` ("EST", "CDT", "AST"); zones without a
    letter abbreviation read as an offset ("UTC-3", "UTC+5:30")."""
    name = moment.tzname() or "UTC"
    if name[0] not in "+-":
        return name
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """``value`` as a wall-clock time in ``zone`` (a naive value is read as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def language_code(locale: str | None = None) -> str:
    """``locale``, else the language being spoken (the request's, or the one a
    message is forced to), else English (outside any app context)."""
    if locale:
        return locale
    current = get_locale()  # None outside an app context
    return str(current) if current else "en"


def format_date(
    value: date | None, zone: tzinfo = UTC, locale: str | None = None
) -> str:
    """ "7 Dec 2026" ("7 dic 2026"): the day in ``zone``; a date without a time is
    never shifted."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_zone(value, zone)
    return babel_dates.format_date(value, "d MMM y", locale=language_code(locale))


def format_time(
    value: datetime | None, zone: tzinfo = UTC, locale: str | None = None
) -> str:
    """ "9:15 AM EST" ("9:15 a. m. EST"): a 12-hour clock time in ``zone`` with the
    zone's abbreviation."""
    if value is None:
        return ""
    local = in_zone(value, zone)
    clock = babel_dates.format_time(local, "h:mm a", locale=language_code(locale))
    return f"{clock} {zone_abbreviation(local)}"


def format_datetime(
    value: datetime | None, zone: tzinfo = UTC, locale: str | None = None
) -> str:
    """ "7 Dec 2026, 9:15 AM EST"."""
    if value is None:
        return ""
    return f"{format_date(value, zone, locale)}, {format_time(value, zone, locale)}"


def format_number(value: float | int | None, locale: str | None = None) -> str:
    """A number as the reader writes it: "1.5" and "1,234" in English, "1,5" and
    "1234" in Spanish; whole numbers without decimals ("2", not "2.0")."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=language_code(locale))


def format_pd_hours(value: float | int | None) -> str:
    """ "1.5 PD hours", "1 PD hour" ("1,5 horas de desarrollo profesional")."""
    if value is None:
        return ""
    hours = format_number(value)
    many = 1 if value == 1 else 2
    return str(ngettext("%(hours)s PD hour", "%(hours)s PD hours", many, hours=hours))


def viewer_zone() -> tzinfo:
    """The zone of the person this request is for (UTC for anonymous visitors and
    outside a request, for example in a worker rendering an email)."""
    if not has_request_context():
        return UTC
    if "viewer_zone" not in g:
        g.viewer_zone = (
            timezones.zone_for(current_user) if current_user.is_authenticated else UTC
        )
    zone: tzinfo = g.viewer_zone
    return zone


def _zone(context: Context) -> tzinfo:
    """A template's own ``time_zone`` (an email renders in its recipient's zone), else
    the viewer's."""
    if "time_zone" not in context:
        return viewer_zone()
    chosen = context["time_zone"]
    if isinstance(chosen, tzinfo):
        return chosen
    return timezones.zone_named(chosen if isinstance(chosen, str) else None)


@pass_context
def date_filter(context: Context, value: date | None) -> str:
    return format_date(value, _zone(context))


@pass_context
def datetime_filter(context: Context, value: datetime | None) -> str:
    return format_datetime(value, _zone(context))


@pass_context
def time_filter(context: Context, value: datetime | None) -> str:
    return format_time(value, _zone(context))


def number_filter(value: float | int | None) -> str:
    return format_number(value)


def pd_hours_filter(value: float | int | None) -> str:
    return format_pd_hours(value)


def percent_filter(value: float | int | None) -> str:
    return "" if value is None else str(format_percent(value))


def claimed_hours_filter(value: str | float | int | None) -> str:
    """PD hours a credential states: "6 PD hours" ("6 horas de desarrollo
    profesional") when it is a number, else its own words as given."""
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number or number in (float("inf"), float("-inf")):  # NaN, infinity
        return str(value)
    return format_pd_hours(int(number) if number.is_integer() else number)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["time"] = time_filter
    app.jinja_env.filters["number"] = number_filter
    app.jinja_env.filters["pd_hours"] = pd_hours_filter
    app.jinja_env.filters["percent"] = percent_filter
    app.jinja_env.filters["claimed_hours"] = claimed_hours_filter
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["common_time_zones"] = timezones.COMMON_ZONES
    app.jinja_env.globals["time_zone_groups"] = timezones.zone_groups
    app.jinja_env.globals["time_zone_label"] = timezones.zone_label
    app.jinja_env.globals["now_utc"] = utcnow

    @app.context_processor
    def unread_notifications() -> dict[str, Any]:
        def count() -> int:
            if not current_user.is_authenticated:
                return 0
            from pdhub.extensions import db
            from pdhub.notifications.service import unread_count

            return unread_count(db.session, current_user)

        return {"unread_notifications": count}
