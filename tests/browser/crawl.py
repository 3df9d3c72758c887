"""A breadth-first crawl of the pages a browser session can reach by following links,
auditing each page it visits; new pages are found without anyone listing them."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Response

from tests.browser.audit import (
    AssetSizes,
    PageAudit,
    check_keyboard,
    check_layout,
    check_names,
    check_structure,
    run_axe,
)

#: Links to files, not pages: followed by downloads, not by people reading.
DOWNLOAD_SUFFIXES = (
    ".csv",
    ".json",
    ".jsonld",
    ".jwt",
    ".png",
    ".svg",
    ".pdf",
    ".zip",
    ".txt",
    ".xml",
    ".ics",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".mp4",
    ".docx",
    ".xlsx",
)

#: Never followed: leaving the session, or links that act rather than show.
SKIPPED_PATHS = re.compile(r"/(signout|logout|sign-out)(/|$)")
#: The language switch (``?lang=es``) changes the browser's language for the pages
#: after it: each language is crawled in a browser of its own instead.
SKIPPED_QUERY = re.compile(r"(^|&)lang=")

#: Pages of one kind (same path but for ids, any query) visited at most this often:
#: two (a list and a filtered or later page of it, or two records) find the links a
#: kind leads to; the crawl is the suite's longest part (Chromium and axe per page).
SAMPLES_PER_KIND = 2

_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{16,}|[A-Za-z0-9_-]{32,})$"
)


def page_kind(url: str) -> str:
    """The URL's path with id-like segments replaced, without its query."""
    path = urlsplit(url).path
    return "/".join(
        "{id}" if _ID_SEGMENT.match(part) else part for part in path.split("/")
    )


def one_page_per_kind(urls: Iterable[str]) -> list[str]:
    """The first of ``urls`` of each page kind, in order."""
    kinds: dict[str, str] = {}
    for url in urls:
        kinds.setdefault(page_kind(url), url)
    return list(kinds.values())


def followable(url: str, origin: str) -> bool:
    """Same-origin pages only: no downloads, no sign-out, no other sites or schemes."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    path = parts.path.lower()
    return not (
        path.endswith(DOWNLOAD_SUFFIXES)
        or SKIPPED_PATHS.search(path)
        or SKIPPED_QUERY.search(parts.query)
    )


#: What a crawl may check on each page (``PageAudit``'s fields of the same names).
ALL_CHECKS = frozenset({"axe", "structure", "names", "assets", "layout", "keyboard"})


class Crawl:
    """Visits pages breadth-first in one tab of ``context`` and audits each.

    ``checks`` names the checks run on each page (all by default): a crawl whose
    tests read only some of them (the Spanish crawls) skips the others, since a
    check nobody reads is only time."""

    def __init__(
        self,
        context: BrowserContext,
        origin: str,
        assets: AssetSizes,
        limit: int = 150,
        screenshots: Path | None = None,
        label: str = "",
        checks: frozenset[str] = ALL_CHECKS,
    ) -> None:
        self.context = context
        self.origin = origin
        self.assets = assets
        self.limit = limit
        self.screenshots = screenshots
        self.label = label
        assert checks <= ALL_CHECKS, checks - ALL_CHECKS
        self.checks = checks
        self.audits: list[PageAudit] = []
        self.skipped_kinds: set[str] = set()

    def run(
        self,
        start: Iterable[str],
        expected_status: dict[str, int] | None = None,
        follow: bool = True,
    ) -> list[PageAudit]:
        """Audit the ``start`` pages and, if ``follow``, the pages their links reach."""
        expected_status = expected_status or {}
        queue: deque[str] = deque()
        seen: set[str] = set()
        per_kind: dict[str, int] = {}
        audited: set[str] = set()

        def offer(url: str) -> None:
            url = urldefrag(url).url
            if url in seen or not followable(url, self.origin):
                return
            kind = page_kind(url)
            if per_kind.get(kind, 0) >= SAMPLES_PER_KIND:
                self.skipped_kinds.add(kind)
                return
            per_kind[kind] = per_kind.get(kind, 0) + 1
            seen.add(url)
            queue.append(url)

        for url in start:
            offer(self.origin + url if url.startswith("/") else url)
        page = self.context.new_page()
        console: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type != "error":
                return
            own_status = message.location.get("url") == page.url and (
                message.text.startswith("Failed to load resource")
            )
            if own_status and expected_status.get(page.url):
                return  # the expected 404 of the 404 page itself
            source = message.location.get("url") or "?"
            console.append(f"{message.text} [from {source}]")

        def on_response(response: Response) -> None:
            # Name the failing resource: Chromium's console message does not.
            if response.status < 400 or expected_status.get(response.url):
                return
            console.append(
                f"{response.status} for {response.request.resource_type} "
                f"{response.url} (while on {page.url})"
            )

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
        cdp = self.context.new_cdp_session(page)
        try:
            while queue and len(self.audits) < self.limit:
                url = queue.popleft()
                console.clear()
                audit, links = self.visit(
                    page, cdp, url, expected_status.get(url), audited
                )
                if audit is None:
                    continue  # a redirect to a page already audited
                audit.console = list(console)
                self.audits.append(audit)
                audited.add(audit.url)
                for link in links if follow else ():
                    offer(link)
        finally:
            cdp.detach()
            page.close()
        return self.audits

    def visit(
        self, page: Page, cdp: object, url: str, expected: int | None, audited: set[str]
    ) -> tuple[PageAudit | None, list[str]]:
        try:
            response = page.goto(url, wait_until="load")
        except Error as error:
            return PageAudit(url, 0, structure=[f"did not load: {error.message}"]), []
        status = response.status if response is not None else 0
        if page.url in audited and status < 400:
            return None, []
        audit = PageAudit(page.url, status)
        if expected is not None and status == expected:
            audit.status = 200  # an expected error page (the 404 page) passes
        content_type = response.headers.get("content-type", "") if response else ""
        if "text/html" not in content_type:
            return audit, []
        audit.language = str(
            page.evaluate("() => document.documentElement.getAttribute('lang') || ''")
        )
        links = page.eval_on_selector_all(
            "a[href]:not([download])", "els => els.map(el => el.href)"
        )
        checks = self.checks
        if "axe" in checks:
            audit.axe = run_axe(page)
        if "structure" in checks:
            audit.structure = check_structure(page)
        if "names" in checks:
            audit.names = check_names(page, cdp)  # type: ignore[arg-type]
        if "assets" in checks:
            audit.css_js_bytes = self.assets.css_js_bytes(page)
        if "layout" in checks:
            audit.layout = check_layout(page)
        if self.screenshots is not None and len(self.audits) < 6:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            name = f"{self.label}-{len(self.audits):02d}.png"
            page.screenshot(path=str(self.screenshots / name), full_page=True)
        if "keyboard" in checks:
            audit.keyboard = check_keyboard(page)
        return audit, links
