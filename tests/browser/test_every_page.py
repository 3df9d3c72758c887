"""Every page each demo role can reach from its navigation (and every public page) opens
without an error and meets WCAG 2.2 A and AA as far as a browser can check, on a
desktop screen and on a phone (one page of each kind on the phone: see ``crawled``).

Landmarks and headings, control names and the CSS and JavaScript a page loads are
the page's HTML, which is the same on both screens (the server does not vary it,
and the stylesheet hides nothing on a phone that a desktop shows), so they are
checked on the desktop; everything a screen's size can change (axe, focus, width,
console) is checked on both."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext

from pdhub.accounts.models import Role
from pdhub.templating import NAVIGATION
from tests.browser.audit import CSS_JS_BUDGET_BYTES, PageAudit
from tests.browser.conftest import DESKTOP, PUBLIC, ROLES, VIEWPORTS

pytestmark = pytest.mark.browser

EVERYONE = [PUBLIC, *ROLES]
Crawled = Callable[[str, str], list[PageAudit]]
#: Every role on every screen, as (role, viewport) parameters.
EVERYWHERE = pytest.mark.parametrize(
    ("role", "viewport"),
    [(role, viewport) for role in EVERYONE for viewport in VIEWPORTS],
)
#: Every role on the desktop (checks of the HTML itself: see the docstring).
ON_THE_DESKTOP = pytest.mark.parametrize(
    ("role", "viewport"), [(role, DESKTOP) for role in EVERYONE]
)


def report(audits: list[PageAudit], kind: str) -> str:
    lines = []
    for audit in audits:
        for problem in getattr(audit, kind):
            lines.append(f"{audit.url}\n    {problem}")
    return "\n".join(lines)


@pytest.mark.parametrize("role", EVERYONE)
def test_the_crawl_visits_every_page_in_the_navigation(
    signed_in: Callable[[str], BrowserContext], crawled: Crawled, role: str
) -> None:
    visited = {audit.url for audit in crawled(role, "desktop")}
    page = signed_in(role).new_page()
    try:
        page.goto("/dashboard" if role != PUBLIC else "/")
        links = page.get_by_role("banner").get_by_role("navigation").get_by_role("link")
        targets = links.evaluate_all("els => els.map(el => el.href)")
    finally:
        page.close()
    # The language switch's link is this page in another language: crawled apart.
    targets = [target for target in targets if "lang=" not in target]
    assert targets, "the header shows no navigation links"
    assert set(targets) <= visited, sorted(set(targets) - visited)


@EVERYWHERE
def test_every_page_answers_without_an_error(
    crawled: Crawled, role: str, viewport: str
) -> None:
    failing = [
        f"{audit.url} answered {audit.status}"
        for audit in crawled(role, viewport)
        if not 200 <= audit.status < 400
    ]
    assert not failing, "\n".join(failing)


@EVERYWHERE
def test_every_page_has_no_axe_violations_at_wcag_22_aa(
    crawled: Crawled, role: str, viewport: str
) -> None:
    problems = report(crawled(role, viewport), "axe")
    assert not problems, f"axe-core found WCAG A/AA violations:\n{problems}"


@ON_THE_DESKTOP
def test_every_page_has_one_main_landmark_and_one_h1(
    crawled: Crawled, role: str, viewport: str
) -> None:
    problems = report(crawled(role, viewport), "structure")
    assert not problems, problems


@EVERYWHERE
def test_skip_link_comes_first_and_focus_is_always_visible(
    crawled: Crawled, role: str, viewport: str
) -> None:
    problems = report(crawled(role, viewport), "keyboard")
    assert not problems, problems


@ON_THE_DESKTOP
def test_every_form_control_has_a_label_and_a_name(
    crawled: Crawled, role: str, viewport: str
) -> None:
    problems = report(crawled(role, viewport), "names")
    assert not problems, problems


@EVERYWHERE
def test_no_page_logs_a_console_error(
    crawled: Crawled, role: str, viewport: str
) -> None:
    problems = report(crawled(role, viewport), "console")
    assert not problems, problems


@ON_THE_DESKTOP
def test_every_page_loads_under_50_kb_of_css_and_javascript(
    crawled: Crawled, role: str, viewport: str
) -> None:
    heavy = [
        f"{audit.url}: {audit.css_js_bytes} bytes"
        for audit in crawled(role, viewport)
        if audit.css_js_bytes > CSS_JS_BUDGET_BYTES
    ]
    assert not heavy, "\n".join(heavy)


@EVERYWHERE
def test_no_page_scrolls_sideways(crawled: Crawled, role: str, viewport: str) -> None:
    problems = report(crawled(role, viewport), "layout")
    assert not problems, problems


@pytest.fixture(scope="module")
def navigation_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app built only so every feature has added its navigation entries."""
    from pdhub import create_app

    return create_app({"PDHUB_INSTANCE_PATH": str(tmp_path_factory.mktemp("nav"))})


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_each_role_its_own_pages(
    signed_in: Callable[[str], BrowserContext], navigation_app: Flask, role: str
) -> None:
    expected = [str(item.label) for item in NAVIGATION if Role(role) in item.roles]
    page = signed_in(role).new_page()
    try:
        page.goto("/dashboard")
        shown = page.get_by_role("navigation", name="Main").get_by_role("link")
        labels = [
            text.split(" ")[0] if text.startswith("Notifications") else text
            for text in shown.all_inner_texts()
        ]
    finally:
        page.close()
    assert labels == [*expected, "Notifications"]
