"""A corpus of script-injection payloads sent through every field a person writes in
communities (community name and description, thread title and message, reply, edit,
report reason, search words), cohorts (name, description, session place and agenda),
coaching (conversation subject and messages, office-hour place) and exemplars (the
note shared with one), then every page that shows them opened in headless
Chromium: no payload runs (no dialog, ``window.__xss`` never set) and no page holds
markup that could run one (event-handler attributes, script elements, javascript: or
data: links), which the Content-Security-Policy alone would have hidden.

It runs on the session's one demo server, where the records it makes stay:
``tests/conftest.py`` runs this file after every other browser test, so the crawl
sees the demo as people do.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page

from tests.browser.conftest import DemoServer, account_for, new_context, sign_in

pytestmark = pytest.mark.browser

RUN = "window.__xss=1"


def corpus() -> list[str]:
    """At least 150 payloads, each trying to set ``window.__xss`` or open a dialog."""
    base = [
        f"<script>{RUN}</script>",
        f"<SCRIPT SRC=data:text/javascript,{RUN}></SCRIPT>",
        f"<img src=x onerror={RUN}>",
        f'<img src="x" onerror="{RUN}">',
        f"<svg onload={RUN}>",
        f"<svg><script>{RUN}</script></svg>",
        f'<svg><a xlink:href="javascript:{RUN}"><text>x</text></a></svg>',
        f"<body onload={RUN}>",
        f'<iframe src="javascript:{RUN}"></iframe>',
        '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
        f'<a href="javascript:{RUN}">click</a>',
        f'<a href="JaVaScRiPt:{RUN}">click</a>',
        f'<a href="data:text/html,<script>{RUN}</script>">x</a>',
        f"<details open ontoggle={RUN}>",
        f"<input autofocus onfocus={RUN}>",
        f"<marquee onstart={RUN}>",
        f"<video><source onerror={RUN}></video>",
        f'<object data="javascript:{RUN}"></object>',
        f'<embed src="javascript:{RUN}">',
        f'<math><mtext><table><mglyph><style><img src=x onerror="{RUN}">',
        f'<style>@import "javascript:{RUN}";</style>',
        f'<div style="background:url(javascript:{RUN})">x</div>',
        f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
        f"<form><button formaction=javascript:{RUN}>x</button></form>",
        f"[click](javascript:{RUN})",
        f"[click](JAVASCRIPT:{RUN})",
        f"[click](javascript&#58;{RUN})",
        f"[click](&#106;avascript:{RUN})",
        f"[click](java\tscript:{RUN})",
        f"[click]( javascript:{RUN})",
        f"[click](<javascript:{RUN}>)",
        "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
        f"[click](vbscript:{RUN})",
        f'[click](https://example.org "title" onmouseover="{RUN}")',
        f"![x](javascript:{RUN})",
        f'![x](x" onerror="{RUN})',
        f"![x](data:image/svg+xml,<svg onload={RUN}>)",
        f"[x]: javascript:{RUN}\n\n[link][x]",
        f"<javascript:{RUN}>",
        f"`<script>{RUN}</script>`",
        f"```\n<script>{RUN}</script>\n```",
        f"> <script>{RUN}</script>",
        f"> [quote](javascript:{RUN})",
        f"@<script>{RUN}</script>",
        f"@maya<img src=x onerror={RUN}>",
        f'@"><svg onload={RUN}>',
        f"&lt;script&gt;{RUN}&lt;/script&gt;",
        f"&#60;script&#62;{RUN}&#60;/script&#62;",
        f"\\u003cscript\\u003e{RUN}\\u003c/script\\u003e",
        f"＜script＞{RUN}＜/script＞",
        f"<scr<script>ipt>{RUN}</scr</script>ipt>",
        f'"><script>{RUN}</script>',
        f"'><script>{RUN}</script>",
        f"</textarea><script>{RUN}</script>",
        f"</title><script>{RUN}</script>",
        f'" autofocus onfocus="{RUN}',
        f"' autofocus onfocus='{RUN}",
        f"{{{{ {RUN} }}}}",
        f"{{% raw %}}<script>{RUN}</script>",
        f"<!--<script>{RUN}</script>-->",
        f"<![CDATA[<script>{RUN}</script>]]>",
        f'<noscript><p title="</noscript><img src=x onerror={RUN}>">',
        f'<a href="&#x6A;avascript:{RUN}">x</a>',
        f'<a href="jav&#x09;ascript:{RUN}">x</a>',
        f'<a href="\u0001javascript:{RUN}">x</a>',
        f'<base href="javascript:{RUN}//">',
        f'<link rel=import href="data:text/html,<script>{RUN}</script>">',
        f'<isindex type=image src=1 onerror="{RUN}">',
        f'<table background="javascript:{RUN}">',
        f'<svg><animate onbegin="{RUN}" attributeName=x dur=1s>',
        f'<svg><set onbegin="{RUN}" attributename=x to=1>',
        f"<svg><foreignObject><img src=x onerror={RUN}></foreignObject></svg>",
        f'<x onclick="{RUN}">click me</x>',
        f"<img src=`x` onerror={RUN}>",
        f"<img/src=x/onerror={RUN}>",
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "[a](javascript:alert(1))",
    ]
    wrappers = ["{}", "**{}**", "Hello {} bye", "- {}", "# {}"]
    payloads = [w.format(b) for w in wrappers for b in base]
    return list(dict.fromkeys(payloads))


PAYLOADS = corpus()

#: What the rendered page must not contain in its main part.
DANGEROUS_DOM = """() => {
  const main = document.querySelector('main');
  const found = [];
  for (const el of main.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
      const linked = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data'];
      const bad = ['javascript:', 'data:', 'vbscript:'].some(s => value.startsWith(s));
      if (linked.includes(attr.name) && bad) found.push(el.tagName + ' ' + attr.name);
    }
    const tags = ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'STYLE', 'BASE', 'META',
                  'IMG'];
    if (tags.includes(el.tagName.toUpperCase())) found.push(el.tagName);
  }
  return found;
}"""


def test_the_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 150


class Writer:
    """Sends forms as the signed-in browser would (session cookie and CSRF token)."""

    def __init__(self, request: APIRequestContext) -> None:
        self.request = request

    def token(self, path: str) -> str:
        page = self.request.get(path).text()
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if match is None:
            match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match is not None, path
        return match.group(1)

    def post(self, form_path: str, action: str, data: dict[str, str]) -> str:
        answer = self.request.post(
            action,
            form={"csrf_token": self.token(form_path), **data},
            max_redirects=0,
        )
        assert answer.status in {303, 302}, (action, answer.status, answer.text()[:300])
        return answer.headers["location"]


def chunks(limit: int) -> list[str]:
    """The corpus joined into pieces of at most ``limit`` characters."""
    pieces: list[str] = []
    current = ""
    for payload in PAYLOADS:
        payload = payload[:limit]
        if current and len(current) + 2 + len(payload) > limit:
            pieces.append(current)
            current = ""
        current = f"{current}\n\n{payload}" if current else payload
    return [*pieces, current]


@pytest.fixture(scope="module")
def coach(chromium: Browser, demo_server: DemoServer) -> Iterator[BrowserContext]:
    context = new_context(chromium, demo_server)
    page = context.new_page()
    sign_in(page, account_for("coach"))
    page.close()
    yield context
    context.close()


def test_no_payload_runs_on_any_community_page(coach: BrowserContext) -> None:
    writer = Writer(coach.request)
    descriptions = chunks(2000)
    communities = []
    for index, payload in enumerate(PAYLOADS):
        location = writer.post(
            "/communities/new",
            "/communities/new",
            {
                "name": payload[:120],
                "description": descriptions[index] if index < len(descriptions) else "",
            },
        )
        communities.append(location.rstrip("/").split("/")[-1])
    home = communities[0]
    threads = []
    for payload in PAYLOADS:
        location = writer.post(
            f"/communities/{home}/threads/new",
            f"/communities/{home}/threads/new",
            {
                "title": payload[:200],
                "body": payload,
                "is_question": "y",
                "action": "post",
            },
        )
        threads.append(location.rstrip("/").split("/")[-1])
    first = f"/communities/{home}/threads/{threads[0]}"
    replies = []
    for body in chunks(2000):
        location = writer.post(
            first, first + "/reply", {"body": body, "action": "post"}
        )
        replies.append(location.split("#")[0].rstrip("/").split("/")[-1])
    edits = list(reversed(chunks(2000)))
    for post_id, body in zip(replies, edits, strict=False):
        path = f"/communities/{home}/posts/{post_id}/edit"
        writer.post(path, path, {"body": body})
    for index, reason in enumerate(chunks(500)):
        path = f"/communities/{home}/posts/{replies[index % len(replies)]}/report"
        writer.post(path, path, {"reason": reason})
    # A draft holding the corpus comes back into the reply box.
    writer.post(first, first + "/reply", {"body": chunks(20_000)[0], "action": "draft"})

    pages = ["/communities", "/communities/moderation", f"/communities/{home}"]
    pages += [f"/communities/{home}?page={n}" for n in range(2, 10)]
    pages += [f"/communities/{c}" for c in communities[: len(descriptions)]]
    pages += [f"/communities/{home}/threads/{t}" for t in threads]
    pages += [f"{first}?page={n}" for n in range(1, 3)]
    pages += [f"{first}?quote={p}" for p in replies]
    for post_id in replies:
        pages += [
            f"/communities/{home}/posts/{post_id}/edit",
            f"/communities/{home}/posts/{post_id}/history",
            f"/communities/{home}/posts/{post_id}/report",
            f"/communities/{home}/posts/{post_id}/moderate",
        ]
    # The search box shows the words searched for: the whole corpus, in pieces.
    pages += [f"/communities/search?q={quote(words)}" for words in chunks(1500)]
    pages += [f"/communities/{home}/search?q=script&sort=helpful"]

    dialogs, problems = opened(coach, pages)
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems[:20])


def opened(context: BrowserContext, pages: list[str]) -> tuple[list[str], list[str]]:
    """Opens each page in ``context``: the dialogs that opened, and the pages where a
    payload ran or dangerous markup appeared."""
    dialogs: list[str] = []
    page: Page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    problems = []
    for path in pages:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        if page.evaluate("() => window.__xss") is not None:
            problems.append(f"{path}: window.__xss was set")
        if found := page.evaluate(DANGEROUS_DOM):
            problems.append(f"{path}: {sorted(set(found))}")
    page.close()
    return dialogs, problems


@pytest.fixture(scope="module")
def teacher(chromium: Browser, demo_server: DemoServer) -> Iterator[BrowserContext]:
    context = new_context(chromium, demo_server)
    page = context.new_page()
    sign_in(page, account_for("teacher"))
    page.close()
    yield context
    context.close()


def _last_id(location: str) -> str:
    return location.split("#")[0].split("?")[0].rstrip("/").split("/")[-1]


def _links(place: list[str]) -> list[str]:
    """Places, every other one a meeting link (shown as a link's address)."""
    return [
        f"https://meet.example.org/{text}"[:300] if index % 2 else text
        for index, text in enumerate(place)
    ]


def test_no_payload_runs_on_cohort_coaching_or_exemplar_pages(
    coach: BrowserContext, teacher: BrowserContext, demo_server: DemoServer
) -> None:
    """Cohort names, descriptions, session places and agendas, conversation subjects
    and messages (the teacher's and the coach's), office-hour places and a shared
    exemplar's note carry the corpus; every page showing them, as the coach and as
    the teacher, runs none of it."""
    as_coach, as_teacher = Writer(coach.request), Writer(teacher.request)
    slug = "digital-citizenship"
    later = date.today() + timedelta(days=30)
    teacher_email = account_for("teacher").email

    # Cohorts: the corpus as names (a few payloads each), descriptions, and the
    # first cohort's sessions' places and agendas. The teacher joins each one.
    descriptions = chunks(2000)
    cohorts = []
    for index, name in enumerate(chunks(120)):
        location = as_coach.post(
            "/cohorts/new",
            "/cohorts/new",
            {
                "name": name,
                "description": descriptions[index] if index < len(descriptions) else "",
                "starts_on": later.isoformat(),
                "ends_on": (later + timedelta(days=60)).isoformat(),
                "modules": slug,
            },
        )
        cohort = _last_id(location)
        cohorts.append(cohort)
        as_coach.post(
            f"/cohorts/{cohort}", f"/cohorts/{cohort}/members", {"email": teacher_email}
        )
    home = cohorts[0]
    agendas = chunks(4000)
    for index, place in enumerate(_links(chunks(300))):
        as_coach.post(
            f"/cohorts/{home}",
            f"/cohorts/{home}/sessions",
            {
                "day": (later + timedelta(days=index)).isoformat(),
                "start": "16:00",
                "duration": "60",
                "place": place,
                "agenda": agendas[index] if index < len(agendas) else "",
            },
        )
    sessions = re.findall(
        rf"/cohorts/{home}/sessions/(\d+)/attendance",
        coach.request.get(f"/cohorts/{home}").text(),
    )
    assert len(sessions) == len(chunks(300))

    # Coaching: the teacher writes the corpus as subjects and messages, the coach
    # answers with it; office hours with the corpus as places, half of them booked.
    form = teacher.request.get("/coaching/new").text()
    coach_id = re.search(r'<option[^>]*value="(\d+)"[^>]*>Carlos Coach', form)
    assert coach_id is not None
    bodies = chunks(10_000)
    conversations = []
    for index, subject in enumerate(chunks(200)):
        location = as_teacher.post(
            "/coaching/new",
            "/coaching/new",
            {
                "coach": coach_id.group(1),
                "subject": subject,
                "body": bodies[index] if index < len(bodies) else PAYLOADS[index],
                "submission": "",
            },
        )
        conversations.append(_last_id(location))
    first = f"/coaching/{conversations[0]}"
    for body in bodies:
        as_coach.post(first, first, {"body": body})
        as_teacher.post(first, first, {"body": body})
    places = _links(chunks(300))
    for index, place in enumerate(places):
        as_coach.post(
            "/coaching/office-hours",
            "/coaching/office-hours",
            {
                "day": (later + timedelta(days=index // 8)).isoformat(),
                "start": f"{9 + index % 8:02d}:00",
                "duration": "30",
                "place": place,
            },
        )
    offered = re.findall(
        r"/coaching/office-hours/(\d+)/book",
        teacher.request.get("/coaching/office-hours").text(),
    )
    assert len(offered) >= len(places)
    for slot in offered[::2]:
        as_teacher.post(
            "/coaching/office-hours", f"/coaching/office-hours/{slot}/book", {}
        )

    pages = ["/cohorts", "/communities", "/coaching", "/coaching/office-hours"]
    pages += [f"/coaching/{c}" for c in conversations]
    pages += [f"/cohorts/{c}" for c in cohorts]
    teacher_pages = [*pages, "/notifications"]
    pages += [f"/cohorts/{c}/progress" for c in cohorts]
    pages += [f"/cohorts/{home}/sessions/{s}/attendance" for s in sessions[:3]]

    # Exemplars: the demo teacher's one exemplar, shared again with each piece of
    # the corpus as its note (withdrawn in between: one exemplar per evidence).
    library = f"/modules/{slug}/exemplars"
    found = re.search(rf"{library}/(\d+)", teacher.request.get(library).text())
    assert found is not None, "the demo teacher's exemplar"
    shared = found.group(1)
    database = demo_server.instance / "pdhub.sqlite"
    notes = chunks(2000)
    for index, note in enumerate(notes):
        exemplar = f"{library}/{shared}"
        withdraw = teacher.request.get(exemplar).text()
        token = re.search(r'name="withdraw-csrf_token" [^>]*value="([^"]+)"', withdraw)
        assert token is not None
        answer = teacher.request.post(
            f"{exemplar}/withdraw",
            form={"withdraw-csrf_token": token.group(1)},
            max_redirects=0,
        )
        assert answer.status == 303
        choices = teacher.request.get(f"{library}/new").text()
        place = re.search(
            r'name="community"[^>]*>\s*<option[^>]*value="(\d+)"', choices
        )
        assert place is not None
        shared = _last_id(
            as_teacher.post(
                f"{library}/new",
                f"{library}/new",
                {
                    "community": place.group(1),
                    "context": "y",
                    "reflection": "y",
                    "links": "y",
                    "consent": "y",
                    "note": note,
                },
            )
        )
        with sqlite3.connect(database) as db:
            row = db.execute(
                "SELECT t.community_id, t.id FROM community_posts p JOIN "
                "community_threads t ON t.id = p.thread_id WHERE p.exemplar_id = ?",
                (int(shared),),
            ).fetchone()
        here = [
            library,
            f"{library}/{shared}",
            f"/communities/{row[0]}/threads/{row[1]}",
        ]
        if index == len(notes) - 1:
            pages += here
            teacher_pages += here
        else:
            for context in (coach, teacher):
                dialogs, problems = opened(context, here)
                assert not dialogs, dialogs
                assert not problems, "\n".join(problems[:20])

    for context, paths in ((coach, pages), (teacher, teacher_pages)):
        dialogs, problems = opened(context, paths)
        assert not dialogs, dialogs
        assert not problems, "\n".join(problems[:20])
