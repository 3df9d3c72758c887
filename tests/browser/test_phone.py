"""On a phone (390×844): a table wider than the screen scrolls inside its own named
region, which the keyboard reaches and scrolls, and the pages people use most fit the
screen. Set PDHUB_SCREENSHOTS to a folder to keep a screenshot of each of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.audit import check_layout, run_axe
from tests.browser.conftest import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser

SignedIn = Callable[..., BrowserContext]
#: How many Tab presses from the top of the page a table may be away at most.
MAX_TABS = 80


def _first_module(page: Page) -> str:
    page.goto("/modules")
    href = page.locator("a[href^='/modules/']:not([href$='/badge'])").first
    return str(href.get_attribute("href"))


def _tab_to(page: Page, target_selector: str) -> bool:
    """Press Tab from the top of the page until the target has focus."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(
            "sel => document.activeElement === document.querySelector(sel)",
            target_selector,
        ):
            return True
    return False


@pytest.fixture
def teacher_phone(signed_in: SignedIn) -> Iterator[Page]:
    page = signed_in("teacher", PHONE).new_page()
    yield page
    page.close()


@pytest.mark.parametrize(
    ("where", "table", "name"),
    [
        ("module", "table.rubric", re.compile(r"^Rubric for ")),
        ("/transcript", "table", "Completed modules and their PD hours"),
    ],
)
def test_a_table_wider_than_a_phone_is_reached_and_scrolled_by_keyboard(
    teacher_phone: Page, where: str, table: str, name: str | re.Pattern[str]
) -> None:
    page = teacher_phone
    page.goto(_first_module(page) if where == "module" else where)
    region = page.locator(".table-wrap").filter(has=page.locator(table)).first
    page.evaluate(
        "el => el.setAttribute('data-under-test', '')", region.element_handle()
    )
    wider = region.evaluate("el => el.scrollWidth - el.clientWidth")
    assert wider > 0, "the table fits the phone screen; nothing to scroll"

    unreachable = [
        problem
        for problem in run_axe(page)
        if problem.startswith("scrollable-region-focusable")
    ]
    assert not unreachable, "\n".join(unreachable)

    assert _tab_to(page, "[data-under-test]"), (
        f"{MAX_TABS} Tab presses never reached the table"
    )
    expect(page.get_by_role("region", name=name)).to_be_focused()
    outline = region.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused table shows no focus indicator"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5_000
    )
    # The page itself stays put: only the table moves.
    assert page.evaluate("() => window.scrollX") == 0
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"phone-scrolled-{where.strip('/')}.png"
        region.screenshot(path=str(shot))


def _shoot(page: Page, name: str) -> None:
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)


def _open(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response}"


def _teacher_pages(page: Page) -> Iterator[str]:
    """Opens each page in turn and yields its name."""
    _open(page, "/dashboard")
    yield "teacher-dashboard"
    _open(page, _first_module(page))
    yield "module"
    _open(page, "/transcript")
    yield "transcript"
    page.goto("/learn")
    learn = page.locator("a[href^='/learn/']").first.get_attribute("href") or ""
    found = re.match(r"/learn/(\d+)", learn)
    assert found, f"the teacher's learning page links to no enrollment ({learn!r})"
    _open(page, f"/learn/{found.group(1)}/evidence")
    yield "evidence"
    page.goto("/badges")
    json_link = page.get_by_role("link", name="Credential for wallets (JSON)").first
    credential = page.request.get(str(json_link.get_attribute("href"))).text()
    page.goto("/verify")
    page.get_by_label("Paste a credential").fill(credential)
    with page.expect_navigation():
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Each check")).to_be_visible()
    yield "verify"


def _coach_pages(page: Page) -> Iterator[str]:
    _open(page, "/dashboard")
    yield "coach-dashboard"
    _open(page, "/review")
    yield "review-queue"
    claim = page.locator("form[action$='/claim']").first.get_attribute("action") or ""
    assert claim, "the coach's queue has nothing to review"
    # The coach reaches Claim without scrolling the table sideways.
    button = page.locator("form[action$='/claim'] button").first.bounding_box()
    width = (page.viewport_size or {}).get("width", 0)
    assert button and button["x"] + button["width"] <= width, (button, width)
    _open(page, claim.removesuffix("/claim"))
    yield "coach-review"


@pytest.mark.parametrize("role", ["teacher", "coach"])
def test_the_pages_people_use_most_fit_a_phone(signed_in: SignedIn, role: str) -> None:
    page = signed_in(role, PHONE).new_page()
    problems = []
    try:
        for name in (_teacher_pages if role == "teacher" else _coach_pages)(page):
            _shoot(page, name)
            found = check_layout(page) + run_axe(page)
            problems.extend(f"{name} ({page.url}): {problem}" for problem in found)
    finally:
        page.close()
    assert not problems, "\n".join(problems)
