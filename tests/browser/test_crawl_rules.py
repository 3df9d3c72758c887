"""Which links the crawl follows, and which pages count as the same kind."""

from __future__ import annotations

import pytest

from tests.browser.crawl import followable, page_kind

ORIGIN = "http://127.0.0.1:5001"


def test_pages_that_differ_only_by_ids_or_query_are_one_kind() -> None:
    assert page_kind(f"{ORIGIN}/admin/users/4") == page_kind(f"{ORIGIN}/admin/users/17")
    assert page_kind(f"{ORIGIN}/admin/users?q=ada&page=2") == page_kind(
        f"{ORIGIN}/admin/users"
    )
    token = "0f8e2c9a-3b1d-4e5f-9a7b-2c4d6e8f0a1b"
    assert page_kind(f"{ORIGIN}/credentials/{token}") == "/credentials/{id}"
    assert page_kind(f"{ORIGIN}/district/schools") != page_kind(f"{ORIGIN}/district")


@pytest.mark.parametrize(
    "url",
    [
        f"{ORIGIN}/credentials/12.json",
        f"{ORIGIN}/credentials/12.png",
        f"{ORIGIN}/reports/hours.csv",
        f"{ORIGIN}/signout",
        "https://www.linkedin.com/profile/add",
        "http://127.0.0.1:9999/dashboard",
        "mailto:help@example.org",
    ],
)
def test_downloads_sign_out_and_other_sites_are_not_followed(url: str) -> None:
    assert not followable(url, ORIGIN)


def test_pages_of_this_site_are_followed() -> None:
    assert followable(f"{ORIGIN}/district/staff/3?tab=modules", ORIGIN)
