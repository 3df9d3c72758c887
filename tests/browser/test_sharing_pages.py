"""The crawl reaches the sharing and digest pages through the demo's own data: the
teacher's exemplar library, an exemplar, the badge-sharing form, the discussion that
shows her badge; the public visitor's unsubscribe page from a digest link."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.audit import PageAudit
from tests.browser.crawl import page_kind

pytestmark = pytest.mark.browser

Crawled = Callable[[str, str], list[PageAudit]]


def test_the_teacher_crawl_reaches_the_exemplar_library_and_badge_sharing(
    crawled: Crawled,
) -> None:
    kinds = {page_kind(audit.url) for audit in crawled("teacher", "desktop")}
    assert "/modules/digital-citizenship/exemplars" in kinds, sorted(kinds)
    assert "/modules/digital-citizenship/exemplars/{id}" in kinds
    assert "/badges/{id}/community" in kinds


def test_the_public_crawl_opens_the_unsubscribe_page(crawled: Crawled) -> None:
    audits = crawled("public", "desktop")
    opened = [a for a in audits if "/communities/digest/unsubscribe/" in a.url]
    # The genuine link's confirm page, and a changed link's page (its expected 404
    # is recorded as a pass by the crawl).
    assert len(opened) == 2 and all(a.status == 200 for a in opened), opened
    assert any(a.url.endswith("/unsubscribe/changed") for a in opened)
