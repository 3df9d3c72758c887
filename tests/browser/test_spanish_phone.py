"""Spanish runs longer than English: the account, dashboard, administration and module
pages in Spanish still fit a phone (390×844) without sideways scrolling, and stay
axe-clean. Set PDHUB_SCREENSHOTS to a folder to keep a screenshot of each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.audit import check_layout, run_axe
from tests.browser.conftest import PHONE, PUBLIC, SCREENSHOTS

pytestmark = pytest.mark.browser

SignedIn = Callable[..., BrowserContext]

PAGES = {
    PUBLIC: ["/signin", "/signup", "/privacy", "/accessibility", "/security"],
    "teacher": [
        "/dashboard",
        "/account",
        "/account/two-factor",
        "/account/sessions",
        # A module in Spanish, and one in English only (the note, lang="en" texts).
        "/modules",
        "/modules/digital-equity-classroom",
        "/modules/digital-citizenship",
    ],
    "district_admin": ["/dashboard", "/account/api-tokens"],
    "admin": ["/dashboard", "/admin/districts", "/admin/users", "/admin/jobs"],
}


def _shoot(page: Page, name: str) -> None:
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"phone-es-{name}.png"), full_page=True)


@pytest.mark.parametrize("role", list(PAGES))
def test_spanish_pages_fit_a_phone(signed_in: SignedIn, role: str) -> None:
    page = signed_in(role, PHONE).new_page()
    problems = []
    try:
        for path in PAGES[role]:
            response = page.goto(f"{path}?lang=es")
            assert response is not None and response.ok, f"{path} answered {response}"
            assert page.get_attribute("html", "lang") == "es", path
            name = f"{role}{path.replace('/', '-')}"
            _shoot(page, name)
            found = check_layout(page) + run_axe(page)
            problems.extend(f"{path} ({role}): {problem}" for problem in found)
    finally:
        page.close()
    assert not problems, "\n".join(problems)
