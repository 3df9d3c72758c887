"""The browser's time zone is offered, never saved on its own: on the account page the
choice is pre-selected from the browser and stored only when the person saves it."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DemoServer

pytestmark = pytest.mark.browser


def test_the_browser_zone_is_pre_selected_and_saved_only_with_the_button(
    chromium: Browser, demo_server: DemoServer
) -> None:
    context = chromium.new_context(
        base_url=demo_server.url, locale="en-US", timezone_id="America/Denver"
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto("/signup")
        page.get_by_label("Your name").fill("Tess Zone")
        email = f"tess-{secrets.token_hex(4)}@example.org"
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("quiet harbor lantern morning tea")
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url("**/signin")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("quiet harbor lantern morning tea")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard")

        page.goto("/account")
        choice = page.get_by_label("Show times in")
        expect(choice).to_have_value("America/Denver")
        expect(
            page.get_by_text("Your browser is set to America/Denver")
        ).to_be_visible()
        # Only offered: a fresh load still shows the saved setting (none yet).
        page.reload()
        expect(page.locator("#time-zone")).to_contain_text("Times show in UTC")

        with page.expect_navigation():
            page.get_by_role("button", name="Save time zone").click()
        expect(page.locator("#time-zone")).to_contain_text(
            "Times show in Mountain time (Denver)"
        )
        expect(choice).to_have_value("America/Denver")
        expect(page.locator("#tz-time_zone-browser")).to_be_hidden()
    finally:
        context.close()
