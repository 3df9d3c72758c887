"""A form sent empty comes back with an error summary whose links take the keyboard to
each field, and the page with its errors still passes axe-core."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.audit import check_names, check_structure, run_axe
from tests.browser.conftest import PUBLIC

pytestmark = pytest.mark.browser

#: (role, page, the form's submit button) for forms sent with every field emptied.
EMPTY_FORMS = [
    (PUBLIC, "/signup", "Create account"),
    (PUBLIC, "/signin", "Sign in"),
    (PUBLIC, "/password/forgot", "Send the reset link"),
    ("teacher", "/account", "Save profile"),
    ("coach", "/account", "Change password"),
    ("district_admin", "/district", "Send invitation"),
    ("district_admin", "/account/api-tokens", "Create token"),
    ("admin", "/account", "Save profile"),
]


def send_empty(page: Page, path: str, button: str) -> None:
    page.goto(path)
    form = page.locator("form").filter(has=page.get_by_role("button", name=button))
    for control in form.locator(
        "input[type=text], input[type=email], input[type=password], input[type=search],"
        " input[type=url], input[type=number], textarea"
    ).all():
        control.fill("")
    with page.expect_navigation():
        form.get_by_role("button", name=button).click()


@pytest.mark.parametrize(("role", "path", "button"), EMPTY_FORMS)
def test_an_empty_form_shows_an_error_summary_that_links_to_each_field(
    signed_in: Callable[[str], BrowserContext], role: str, path: str, button: str
) -> None:
    context = signed_in(role)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    try:
        send_empty(page, path, button)
        summary = page.get_by_role("alert").filter(
            has=page.get_by_role("heading", name="There is a problem")
        )
        assert summary.is_visible(), page.content()[:2000]
        links = summary.get_by_role("link").all()
        assert links, "the error summary links to no field"
        for link in links:
            target = link.get_attribute("href") or ""
            assert target.startswith("#"), target
            field = page.locator(target)
            assert field.evaluate("el => el.matches('input, select, textarea')"), target
            assert field.get_attribute("aria-invalid") == "true", target
            link.focus()
            assert link.evaluate("el => el === document.activeElement"), target
            page.keyboard.press("Enter")
            focused = page.evaluate("() => '#' + document.activeElement.id")
            assert focused == target, f"{link.inner_text()} took focus to {focused}"
        assert run_axe(page) == []
        assert check_structure(page) == []
        assert check_names(page, cdp) == []
    finally:
        cdp.detach()
        page.close()
