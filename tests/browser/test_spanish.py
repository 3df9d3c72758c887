"""The same pages in Spanish: a browser that asks for Spanish (Chromium's locale
es-ES, so Accept-Language: es-ES) gets every kind of page the English crawl found in
Spanish, marked ``<html lang="es">``, axe-clean, and fitting a phone's width (longer
Spanish words must not make a page scroll sideways at 390×844).

Each role's pages are one of each kind the English desktop crawl found (no link
following), on the desktop and on the phone, like the English phone crawl.

What the language can change is checked; what it cannot is left to the English
crawls, which check every one of these pages on both screens: focus order and
focus styles, landmarks and headings, control names and page weight come from the
templates and the stylesheet, not the words. On the desktop the Spanish pages get
axe; on the phone, what longer Spanish words can break there: the width (the
English phone crawl runs axe on the phone's layout)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.browser.audit import AssetSizes, PageAudit
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    PUBLIC,
    ROLES,
    VIEWPORTS,
    DemoServer,
    account_for,
    new_context,
    sign_in,
)
from tests.browser.crawl import Crawl, one_page_per_kind
from tests.browser.test_every_page import report

pytestmark = pytest.mark.browser

SPANISH = "es-ES"
EVERYWHERE = pytest.mark.parametrize(
    ("role", "viewport"),
    [(role, viewport) for role in [PUBLIC, *ROLES] for viewport in VIEWPORTS],
)
ON_THE_DESKTOP = pytest.mark.parametrize(
    ("role", "viewport"), [(role, DESKTOP) for role in [PUBLIC, *ROLES]]
)
#: The checks each screen's Spanish crawl runs (see the module's docstring).
CHECKS = {DESKTOP: frozenset({"axe", "layout"}), PHONE: frozenset({"layout"})}
Crawled = Callable[..., list[PageAudit]]


def _fresh_session(chromium: Browser, server: DemoServer, role: str) -> Any:
    """The cookies of a new sign-in as ``role`` (the English crawl's session may have
    ended for being idle by now); ``sign_in`` uses a TOTP step no earlier sign-in
    used."""
    context = new_context(chromium, server)
    try:
        if role != PUBLIC:
            page = context.new_page()
            sign_in(page, account_for(role))
            page.close()
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="session")
def crawled_in_spanish(
    chromium: Browser,
    demo_server: DemoServer,
    signed_in: Callable[..., BrowserContext],
    crawled: Crawled,
) -> Iterator[Callable[[str, str], list[PageAudit]]]:
    """``crawled_in_spanish(role, viewport)``: the audits of one page of each kind the
    role reaches, in a Spanish browser carrying the role's session."""
    results: dict[tuple[str, str], list[PageAudit]] = {}
    sessions: dict[str, Any] = {}
    contexts: list[BrowserContext] = []
    assets = AssetSizes()
    missing = demo_server.url + "/no-such-page"
    # The English public crawl opens a changed unsubscribe link, which answers 404.
    forged = demo_server.url + "/communities/digest/unsubscribe/changed"

    def get(role: str, viewport: str) -> list[PageAudit]:
        if (role, viewport) in results:
            return results[role, viewport]
        # Every kind of page the English crawl found (its first sample), on either
        # screen: the language and the layout are the template's.
        pages = one_page_per_kind(audit.url for audit in crawled(role))
        if role not in sessions:
            sessions[role] = _fresh_session(chromium, demo_server, role)
        context = new_context(
            chromium,
            demo_server,
            viewport=viewport,
            storage_state=sessions[role],
            locale=SPANISH,
        )
        contexts.append(context)
        crawl = Crawl(
            context,
            demo_server.url,
            assets,
            limit=len(pages),
            label=f"{role}-es",
            checks=CHECKS[viewport],
        )
        results[role, viewport] = crawl.run(
            pages, expected_status={missing: 404, forged: 404}, follow=False
        )
        return results[role, viewport]

    yield get
    for context in contexts:
        context.close()


@EVERYWHERE
def test_every_page_is_in_spanish_for_a_spanish_browser(
    crawled_in_spanish: Crawled, role: str, viewport: str
) -> None:
    audits = crawled_in_spanish(role, viewport)
    assert audits
    wrong = [
        f"{audit.url}: <html lang={audit.language!r}>, answered {audit.status}"
        for audit in audits
        if audit.language not in ("es", None) or not 200 <= audit.status < 400
    ]
    assert not wrong, "\n".join(wrong)
    assert any(audit.language == "es" for audit in audits)
    if role != PUBLIC:  # the pages were the role's own, not the sign-in page
        signed_out = [audit.url for audit in audits if "/signin" in audit.url]
        assert not signed_out, signed_out


@ON_THE_DESKTOP
def test_spanish_pages_have_no_axe_violations(
    crawled_in_spanish: Crawled, role: str, viewport: str
) -> None:
    problems = report(crawled_in_spanish(role, viewport), "axe")
    assert not problems, f"axe-core found WCAG A/AA violations:\n{problems}"


@EVERYWHERE
def test_spanish_pages_do_not_scroll_sideways(
    crawled_in_spanish: Crawled, role: str, viewport: str
) -> None:
    problems = report(crawled_in_spanish(role, viewport), "layout")
    assert not problems, problems
