"""With JavaScript turned off, a teacher still creates an account, signs out and in, and
saves a form: every page works as plain HTML."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DemoServer, account_for, new_context, sign_in

pytestmark = pytest.mark.browser


def submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_a_teacher_gets_through_without_javascript(
    chromium: Browser, demo_server: DemoServer
) -> None:
    context = new_context(chromium, demo_server, javascript=False)
    page = context.new_page()
    try:
        page.goto("/signup")
        assert page.evaluate("() => document.querySelector('noscript') === null")
        email = f"noor-{secrets.token_hex(4)}@example.org"
        page.get_by_label("Your name").fill("Noor Nojs")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("quiet harbor lantern morning tea")
        submit(page, "Create account")
        expect(page).to_have_url(f"{demo_server.url}/signin")
        expect(page.get_by_role("status")).to_contain_text("Check your email")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("quiet harbor lantern morning tea")
        submit(page, "Sign in")
        expect(page).to_have_url(f"{demo_server.url}/dashboard")
        mail = (demo_server.instance / "mail.log").read_text()
        link = re.findall(
            rf"To: {re.escape(email)}\n.*?(/account/verify-email/\S+)", mail, re.S
        )[-1]
        page.goto(link)
        expect(page).to_have_url(f"{demo_server.url}/dashboard")
        expect(page.get_by_role("status")).to_contain_text("email address is confirmed")

        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Account"
        ).click()
        page.get_by_label("Your name").fill("Noor Nojs-Rivera")
        submit(page, "Save profile")
        expect(page.get_by_role("status")).to_contain_text("Your profile is saved")
        expect(page.get_by_label("Your name")).to_have_value("Noor Nojs-Rivera")

        submit(page, "Sign out Noor Nojs-Rivera")
        expect(page.get_by_role("status")).to_contain_text("You're signed out")

        page.goto("/signin")
        submit(page, "Sign in")
        expect(page.get_by_role("alert")).to_contain_text("There is a problem")
        page.get_by_role("link", name="Enter your email address.").click()
        expect(page.get_by_label("Email")).to_be_focused()

        sign_in(page, account_for("teacher"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Maya")
    finally:
        context.close()
