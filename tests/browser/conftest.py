"""The real ``pdhub demo`` over HTTP, Debian's Chromium driven by Playwright, one
signed-in browser context per demo role, and each role's crawl of the site.

New pages need no test edits: link them from ``pdhub.templating.NAVIGATION`` or from any
page reachable from it, and give them demo data through ``pdhub.demo.prepare_demo``
(which ``pdhub demo`` runs), and every role that can reach them audits them.
"""

from __future__ import annotations

import os
import queue
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from pdhub.accounts.models import Role
from pdhub.demo import ACCOUNTS, DemoAccount
from tests.browser.audit import AssetSizes, PageAudit
from tests.browser.crawl import ALL_CHECKS, Crawl, one_page_per_kind
from tests.conftest import ROOT

CHROMIUM = os.environ.get("PDHUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Set PDHUB_SCREENSHOTS to a folder to keep screenshots of the first pages each role
#: sees, for people to look at (e.g. PDHUB_SCREENSHOTS=/tmp/pdhub-shots).
SCREENSHOTS = (
    Path(os.environ["PDHUB_SCREENSHOTS"])
    if os.environ.get("PDHUB_SCREENSHOTS")
    else None
)
#: Pages visited per role at most (a runaway crawl fails rather than hangs).
PAGES_PER_ROLE = 150
ROLES = [role.value for role in Role]
PUBLIC = "public"

#: The screens every crawled page is checked on. "phone" is Playwright's iPhone 13/14
#: settings (390×844 CSS pixels, 3× pixels, mobile viewport, touch) in Chromium.
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
DESKTOP, PHONE = VIEWPORTS


@dataclass
class DemoServer:
    """``python -m pdhub.cli demo`` on a free port, with its own instance folder."""

    url: str
    instance: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def log(self) -> str:
        return "".join(self.output[-200:])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo exactly as a person starts it: migrations, demo data, a real server."""
    instance = tmp_path_factory.mktemp("browser-demo")
    port = _free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PDHUB_", "FLASK_"))
    }
    env.update(
        PDHUB_INSTANCE_PATH=str(instance),
        PYTHONUNBUFFERED="1",
        PDHUB_BASE_URL=f"http://127.0.0.1:{port}",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pdhub.cli",
            "demo",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = DemoServer(f"http://127.0.0.1:{port}", instance, process)
    lines: queue.Queue[str | None] = queue.Queue()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.output.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    try:
        while True:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                pytest.fail(
                    f"pdhub demo exited before serving:\n{server.log()}", pytrace=False
                )
            if "Running on http" in line:
                break
    except queue.Empty:
        process.kill()
        pytest.fail(
            f"pdhub demo did not start serving within 2 minutes:\n{server.log()}",
            pytrace=False,
        )
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
    yield server
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    reader.join(timeout=15)
    assert process.stdout is not None
    process.stdout.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole run (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. Install Debian's package "
            "(apt-get install chromium) or point PDHUB_CHROMIUM at a Chromium binary; "
            "the browser tests never download one.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def new_context(
    browser: Browser,
    server: DemoServer,
    *,
    javascript: bool = True,
    viewport: str = DESKTOP,
    storage_state: Any = None,
    locale: str = "en-US",
) -> BrowserContext:
    """A fresh browser context on ``viewport`` ("desktop" or "phone"), optionally with
    the cookies of another context (``storage_state``), whose browser asks for
    ``locale``'s language (Accept-Language)."""
    context = browser.new_context(
        base_url=server.url,
        java_script_enabled=javascript,
        locale=locale,
        storage_state=storage_state,
        **VIEWPORTS[viewport],
    )
    context.set_default_timeout(15_000)
    return context


def account_for(role: str) -> DemoAccount:
    return next(account for account in ACCOUNTS if account.role.value == role)


#: The last TOTP step each staff account signed in with: the server refuses a step
#: it has seen (or an older one), and accepts one step of clock drift either way.
_LAST_STEP: dict[str, int] = {}


def _unused_code(account: DemoAccount) -> str:
    """A code the server will accept and has not seen: this step's, else the next
    step's (one step of drift), else wait for a new step."""
    assert account.totp_secret
    totp = pyotp.TOTP(account.totp_secret)
    while True:
        step = totp.timecode(datetime.now(UTC))
        for candidate in (step, step + 1):
            if candidate > _LAST_STEP.get(account.email, -1):
                _LAST_STEP[account.email] = candidate
                return totp.generate_otp(candidate)
        time.sleep(30 - time.time() % 30 + 0.5)


def sign_in(page: Page, account: DemoAccount) -> None:
    """Sign in through the real pages, with an unused TOTP code if staff."""
    page.goto("/signin")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    if account.totp_secret:
        page.wait_for_url("**/signin/code**")
        page.get_by_label("Code").fill(_unused_code(account))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/dashboard")


@pytest.fixture(scope="session")
def signed_in(
    chromium: Browser, demo_server: DemoServer
) -> Iterator[Callable[..., BrowserContext]]:
    """``signed_in(role, viewport="desktop")``: that demo account's browser context,
    signed in once per run (a TOTP code works once per 30-second step, so staff never
    sign in twice: the phone context carries the desktop context's session cookie)."""
    contexts: dict[tuple[str, str], BrowserContext] = {}

    def get(role: str, viewport: str = DESKTOP) -> BrowserContext:
        if (role, viewport) in contexts:
            return contexts[role, viewport]
        if viewport != DESKTOP:
            cookies = get(role).storage_state()
            context = new_context(
                chromium, demo_server, viewport=viewport, storage_state=cookies
            )
        else:
            context = new_context(chromium, demo_server)
            if role != PUBLIC:
                page = context.new_page()
                sign_in(page, account_for(role))
                page.close()
        contexts[role, viewport] = context
        return context

    yield get
    for context in contexts.values():
        context.close()


def unsubscribe_url(server: DemoServer) -> str:
    """The unsubscribe link of the demo teacher's digest emails, signed with the demo's
    own secret (a page reached only from an email, so the crawl starts there)."""
    from itsdangerous import URLSafeSerializer

    from pdhub.communities.digest import UNSUBSCRIBE_SALT

    with sqlite3.connect(server.instance / "pdhub.sqlite") as database:
        (user_id,) = database.execute(
            "SELECT id FROM users WHERE email = ?", (ACCOUNTS[0].email,)
        ).fetchone()
    secret = (server.instance / "secret_key").read_text().strip()
    token = URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT).dumps({"u": user_id})
    return f"{server.url}/communities/digest/unsubscribe/{token}"


@pytest.fixture(scope="session")
def crawled(
    signed_in: Callable[..., BrowserContext], demo_server: DemoServer
) -> Callable[..., list[PageAudit]]:
    """``crawled(role, viewport="desktop")``: the audit of the pages the role reaches,
    crawled once per run and shared by the tests that read it.

    On the desktop: every page reached from the role's start pages by following links
    (up to ``SAMPLES_PER_KIND`` pages of each kind). On the phone: the first page of
    each kind the desktop crawl found (no link following), so every page template
    the role reaches is checked once on the small screen.
    """
    results: dict[tuple[str, str], list[PageAudit]] = {}
    assets = AssetSizes()
    missing = demo_server.url + "/no-such-page"
    # A changed unsubscribe link (the public crawl starts there) answers 404.
    forged = demo_server.url + "/communities/digest/unsubscribe/changed"

    def get(role: str, viewport: str = DESKTOP) -> list[PageAudit]:
        if (role, viewport) in results:
            return results[role, viewport]
        crawl = Crawl(
            signed_in(role, viewport),
            demo_server.url,
            assets,
            limit=PAGES_PER_ROLE,
            screenshots=SCREENSHOTS,
            label=f"{role}-{viewport}",
            # The HTML's own checks are the desktop's (tests/browser/test_every_page).
            checks=ALL_CHECKS
            if viewport == DESKTOP
            else ALL_CHECKS - {"structure", "names", "assets"},
        )
        if viewport != DESKTOP:
            kinds = one_page_per_kind(audit.url for audit in get(role))
            results[role, viewport] = crawl.run(
                kinds, expected_status={missing: 404, forged: 404}, follow=False
            )
        elif role == PUBLIC:
            start = ["/", "/signin", "/signup", "/password/forgot", "/no-such-page"]
            # Pages only an email links to: the digest's unsubscribe page, as the
            # demo teacher's link opens it and as a changed link does.
            unsubscribe = unsubscribe_url(demo_server)
            results[role, viewport] = crawl.run(
                [*start, unsubscribe, forged],
                expected_status={missing: 404, forged: 404},
            )
        else:
            results[role, viewport] = crawl.run(["/dashboard"])
        return results[role, viewport]

    return get


def sign_up_and_confirm(page: Page, server: DemoServer, name: str) -> str:
    """A new teacher account, signed in, its email confirmed through the link the
    demo wrote to its mail log; returns the address."""
    import re
    import secrets

    email = f"{name.split()[0].lower()}-{secrets.token_hex(4)}@example.org"
    password = "quiet harbor lantern morning tea"
    page.goto("/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")
    mail = (server.instance / "mail.log").read_text()
    link = re.findall(
        rf"To: {re.escape(email)}\n.*?(/account/verify-email/\S+)", mail, re.S
    )[-1]
    page.goto(link)
    page.wait_for_url("**/dashboard")
    return email
