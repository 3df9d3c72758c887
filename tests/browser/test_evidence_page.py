"""The evidence page as a teacher uses it: the checklist follows what is typed, and
after an error or a change the keyboard is where the teacher needs it, not back at
the top of the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DemoServer, new_context, sign_up_and_confirm

pytestmark = pytest.mark.browser


def _new_teacher_with_evidence_page(page: Page, server: DemoServer) -> str:
    """A new, confirmed teacher enrolls in the first catalog module and opens its
    evidence page."""
    sign_up_and_confirm(page, server, "Eva Evidence")
    page.goto("/modules")
    page.locator(".module-card h3 a, h3 a[href^='/modules/']").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Enroll").first.click()
    found = re.search(r"/learn/(\d+)", page.url)
    assert found, page.url
    evidence = f"/learn/{found.group(1)}/evidence"
    page.goto(evidence)
    return evidence


def test_the_checklist_follows_the_words_as_they_are_typed(
    chromium: Browser, demo_server: DemoServer
) -> None:
    context = new_context(chromium, demo_server)
    page = context.new_page()
    # Keep this test's typing out of the demo database: refuse the background saves.
    page.route("**/evidence/autosave", lambda route: route.abort())
    try:
        _new_teacher_with_evidence_page(page, demo_server)
        item = page.locator("[data-checklist=reflection]")
        expect(item).to_contain_text("0 of at least")
        minimum = int(item.get_attribute("data-min") or "0")
        words = " ".join(["practice"] * (minimum + 64))
        page.get_by_role("textbox", name="Your reflection").fill(words)
        expect(item).to_contain_text(f"{minimum + 64} words")
        expect(item).to_have_class("done")
        expect(item.locator(".checklist-state")).to_have_text(" (done)")
        page.get_by_role("textbox", name="Your reflection").fill("Too short now")
        expect(item).to_contain_text(f"3 of at least {minimum} words")
        expect(item).to_have_class("missing")
    finally:
        context.close()


def test_after_an_error_or_a_new_link_the_keyboard_is_where_the_change_is(
    chromium: Browser, demo_server: DemoServer
) -> None:
    context = new_context(chromium, demo_server, javascript=False)
    page = context.new_page()
    try:
        _new_teacher_with_evidence_page(page, demo_server)
        page.get_by_label("Web address").fill("not a link")
        with page.expect_navigation():
            page.get_by_role("button", name="Add link").click()
        summary = page.get_by_role("alert").filter(has_text="There is a problem")
        expect(summary).to_be_focused()

        page.get_by_label("Web address").fill("https://example.org/lesson-plan")
        page.get_by_label("What the link shows (optional)").fill("Lesson plan")
        with page.expect_navigation():
            page.get_by_role("button", name="Add link").click()
        assert page.url.endswith("#links")
        # The next Tab goes to the new link in the list, not to the top of the page.
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent")
        assert "Lesson plan" in focused
    finally:
        context.close()
