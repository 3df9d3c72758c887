"""Template globals: role-aware navigation, dates in plain words, unread counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from pdhub.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[Role]


#: Navigation, in order. Feature packages append their entries here at import time,
#: so the browser crawl reaches every page a role can see.
NAVIGATION: list[NavItem] = [
    NavItem("Dashboard", "home.dashboard", frozenset(Role)),
    NavItem("My district", "districts.overview", frozenset({Role.DISTRICT_ADMIN})),
    NavItem("Districts", "admin.districts", frozenset({Role.ADMIN})),
    NavItem("People", "admin.users", frozenset({Role.ADMIN})),
    NavItem("My badges", "credentials.my_badges", frozenset({Role.TEACHER})),
    NavItem("Credentials", "credentials.admin_index", frozenset({Role.ADMIN})),
    NavItem("Review queue", "review.queue", frozenset({Role.COACH})),
    NavItem("Coaches", "review.coaches", frozenset({Role.DISTRICT_ADMIN, Role.ADMIN})),
    NavItem(
        "Review turnaround",
        "review.turnaround",
        frozenset({Role.DISTRICT_ADMIN, Role.ADMIN}),
    ),
    NavItem("Failed jobs", "admin.jobs", frozenset({Role.ADMIN})),
    NavItem("Account", "accounts.profile", frozenset(Role)),
    NavItem("Verify a badge", "verification.verify", frozenset(Role)),
    NavItem(
        "Verify in bulk", "verification.batches_page", frozenset({Role.DISTRICT_ADMIN})
    ),
]

# Learning: everyone may browse the catalog; teachers have their own learning.
NAVIGATION.insert(1, NavItem("Catalog", "learning.catalog", frozenset(Role)))
NAVIGATION.insert(
    2, NavItem("My learning", "learning.my_learning", frozenset({Role.TEACHER}))
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
                    "label": item.label,
                    "href": href,
                    "current": request.path == href
                    or (href != "/" and request.path.startswith(href + "/")),
                }
            )
    return items


def format_date(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def format_datetime(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC") if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["Role"] = Role

    @app.context_processor
    def unread_notifications() -> dict[str, Any]:
        def count() -> int:
            if not current_user.is_authenticated:
                return 0
            from pdhub.extensions import db
            from pdhub.notifications.service import unread_count

            return unread_count(db.session, current_user)

        return {"unread_notifications": count}
