"""Communities: who sees what (by direct URL too), discussion, following, search and
moderation, through the pages people use."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.communities import service
from pdhub.communities.models import (
    Attachment,
    Community,
    CommunityKind,
    ModerationAction,
    Post,
    PostRevision,
    Report,
    Thread,
)
from pdhub.notifications.models import Notification
from tests.communities.conftest import SignedIn, World, community_of, start
from tests.helpers import text

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def notes(session: Session, user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(Notification.message).where(Notification.user_id == user.id)
        )
    )


def test_a_teacher_sees_their_module_and_district_communities_only(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    client = signed_in(world.teacher)
    page = text(client.get("/communities"))
    assert "AI in the classroom" in page and "Riverside" in page
    assert "Lakeside" not in page
    assert 'href="/communities"' in client.get("/dashboard").get_data(as_text=True)
    # The other district's teacher sees the same module community, not this district's.
    other = signed_in(world.outsider)
    page = text(other.get("/communities"))
    assert (
        "AI in the classroom" in page and "Lakeside" in page and "Riverside" not in page
    )


def test_another_districts_community_threads_posts_and_files_answer_404(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    private = community_of(session, world.outsider, "district")
    thread = service.start_thread(
        session, world.outsider, private, title="Lakeside only", body="secret plans",
        upload=service.Upload("plan.pdf", PDF, 10_000_000),
        store=__import__("pdhub.submissions.storage", fromlist=["x"]).file_store(),
    )  # fmt: skip
    session.flush()
    post = session.scalar(select(Post).where(Post.thread_id == thread.id))
    attachment = session.scalar(select(Attachment).where(Attachment.post_id == post.id))
    base = f"/communities/{private.id}"
    urls = [
        base,
        f"{base}/threads/{thread.id}",
        f"{base}/posts/{post.id}",
        f"{base}/posts/{post.id}/edit",
        f"{base}/posts/{post.id}/report",
        f"{base}/files/{attachment.id}",
        f"{base}/search?q=secret",
        f"{base}/threads/new",
    ]
    for user in (world.teacher, world.coach, world.district_admin):
        client = signed_in(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.name, url)
        assert (
            client.post(
                f"{base}/threads/{thread.id}/reply", data={"body": "hi"}
            ).status_code
            == 404
        )
        assert client.post(f"{base}/posts/{post.id}/helpful").status_code == 404
        found = text(client.get("/communities/search?q=secret"))
        assert "0 posts found" in found and "Lakeside only" not in found
    # A post of this district's community asked for under the other id is not found.
    mine = community_of(session, world.teacher, "district")
    assert (
        signed_in(world.teacher)
        .get(f"/communities/{mine.id}/threads/{thread.id}")
        .status_code
        == 404
    )
    # Its own people see it all.
    client = signed_in(world.outsider)
    assert "secret plans" in text(client.get(f"{base}/threads/{thread.id}"))
    assert client.get(f"{base}/files/{attachment.id}").data == PDF


def test_writing_a_thread_and_replies_with_safe_markdown(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    community = community_of(session, world.teacher, "module")
    client = signed_in(world.teacher)
    response = client.post(
        f"/communities/{community.id}/threads/new",
        data={
            "title": "Offline lesson plans",
            "body": "**Works** <script>alert(1)</script> [site](https://example.org) "
            "[bad](javascript:alert(1))",
            "is_question": "y",
            "action": "post",
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>Works</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert (
        'href="https://example.org"' in page and 'rel="nofollow ugc noopener"' in page
    )
    assert "javascript:" not in page.split("<main")[1].split("</main>")[0].replace(
        "[bad](javascript", ""
    )
    thread = session.scalar(
        select(Thread).where(Thread.title == "Offline lesson plans")
    )
    # A colleague quotes it, replies, and the asker accepts the reply.
    other = signed_in(world.colleague)
    quote = other.get(
        f"/communities/{community.id}/threads/{thread.id}?quote="
        + str(session.scalar(select(Post.id).where(Post.thread_id == thread.id)))
    )
    assert "&gt; **Maya Lopez wrote:**" in quote.get_data(as_text=True)
    response = other.post(
        f"/communities/{community.id}/threads/{thread.id}/reply",
        data={"body": "Try printed packets, @maya.lopez", "action": "post"},
    )
    assert response.status_code == 303
    reply = session.scalar(
        select(Post).where(Post.thread_id == thread.id, ~Post.is_opening)
    )
    assert "Sam Green mentioned you in “Offline lesson plans”." in notes(
        session, world.teacher
    )
    client.post(
        f"/communities/{community.id}/posts/{reply.id}/accept", data={"accept": "1"}
    )
    client.post(f"/communities/{community.id}/posts/{reply.id}/helpful")
    session.refresh(thread)
    session.refresh(reply)
    assert thread.accepted_post_id == reply.id and reply.helpful_count == 1
    page = text(client.get(f"/communities/{community.id}/threads/{thread.id}"))
    assert "Accepted answer" in page and "1 person found this helpful" in page
    # Marking helpful again takes it back; one's own post can't be marked.
    client.post(f"/communities/{community.id}/posts/{reply.id}/helpful")
    session.refresh(reply)
    assert reply.helpful_count == 0
    # The colleague can't accept answers on someone else's question.
    other.post(
        f"/communities/{community.id}/posts/{reply.id}/accept", data={"accept": "0"}
    )
    session.refresh(thread)
    assert thread.accepted_post_id == reply.id


def test_editing_marks_the_post_and_keeps_history_for_moderators(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    community = community_of(session, world.teacher, "district")
    thread = start(session, world.teacher, community, "Bus duty", "Old words")
    post = session.scalar(select(Post).where(Post.thread_id == thread.id))
    client = signed_in(world.teacher)
    url = f"/communities/{community.id}/posts/{post.id}"
    assert (
        client.post(
            url + "/edit", data={"title": "Bus duty swap", "body": "New words"}
        ).status_code
        == 303
    )
    page = text(client.get(f"/communities/{community.id}/threads/{thread.id}"))
    assert "New words" in page and "edited" in page and "Bus duty swap" in page
    assert (
        session.scalar(
            select(PostRevision.body_markdown).where(PostRevision.post_id == post.id)
        )
        == "Old words"
    )
    assert client.get(url + "/history").status_code == 404  # not a moderator
    assert signed_in(world.colleague).get(url + "/edit").status_code == 404
    history = text(signed_in(world.district_admin).get(url + "/history"))
    assert "Old words" in history and "Bus duty" in history


def test_drafts_survive_a_reload(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    community = community_of(session, world.teacher, "district")
    client = signed_in(world.teacher)
    response = client.post(
        f"/communities/{community.id}/threads/new",
        data={
            "title": "Half a thought",
            "body": "I was going to say",
            "action": "draft",
        },
    )
    assert response.status_code == 303
    page = text(client.get(f"/communities/{community.id}/threads/new"))
    assert 'value="Half a thought"' in page and "I was going to say" in page
    thread = start(session, world.colleague, community)
    client.post(
        f"/communities/{community.id}/threads/{thread.id}/reply",
        data={"body": "A reply in progress", "action": "draft"},
    )
    assert "A reply in progress" in text(
        client.get(f"/communities/{community.id}/threads/{thread.id}")
    )
    assert (
        session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id))
        == 1
    )


def test_files_are_checked_like_evidence(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    community = community_of(session, world.teacher, "district")
    thread = start(session, world.colleague, community)
    client = signed_in(world.teacher)
    url = f"/communities/{community.id}/threads/{thread.id}/reply"
    bad = client.post(
        url,
        data={
            "body": "see file",
            "action": "post",
            "upload": (
                __import__("io").BytesIO(b"<html><script>x</script>"),
                "page.pdf",
            ),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "isn't a file type we accept" in text(bad)
    assert "see file" in text(bad)  # nothing typed is lost
    good = client.post(
        url,
        data={
            "body": "see file",
            "action": "post",
            "upload": (__import__("io").BytesIO(PDF), "plan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    attachment = session.scalar(select(Attachment))
    download = client.get(f"/communities/{community.id}/files/{attachment.id}")
    assert (
        download.data == PDF and "attachment" in download.headers["Content-Disposition"]
    )


def test_following_brings_notifications_and_unread_markers(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    community = community_of(session, world.teacher, "district")
    client = signed_in(world.teacher)
    client.post(f"/communities/{community.id}/follow", data={"follow": "1"})
    thread = start(session, world.colleague, community, "Field trip forms")
    assert "Sam Green started “Field trip forms” in Riverside." in notes(
        session, world.teacher
    )
    assert "1 discussion you follow has new posts." in text(client.get("/communities"))
    assert "New" in text(client.get(f"/communities/{community.id}"))
    assert (
        client.get(f"/communities/{community.id}/threads/{thread.id}").status_code
        == 200
    )
    page = text(client.get("/communities"))
    assert "discussion you follow has new" not in page
    service.reply(session, world.colleague, thread, body="One more thing")
    session.flush()
    assert "Sam Green replied in “Field trip forms”." in notes(session, world.teacher)
    assert service.unread_count(session, world.teacher) == 1


def test_search_finds_visible_posts_only(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    mine = community_of(session, world.teacher, "district")
    theirs = community_of(session, world.outsider, "district")
    module = community_of(session, world.teacher, "module")
    start(
        session,
        world.teacher,
        mine,
        "Rubric tips",
        "Sharing rubric photosynthesis notes",
    )
    start(session, world.outsider, theirs, "Lakeside", "Secret photosynthesis plan")
    hidden = start(
        session, world.colleague, module, "Hidden one", "photosynthesis spam"
    )
    service.hide_post(
        session, world.admin,
        session.scalar(select(Post).where(Post.thread_id == hidden.id)), "spam",
    )  # fmt: skip
    session.flush()
    client = signed_in(world.teacher)
    page = text(client.get("/communities/search?q=photosynthesis"))
    assert "1 post found" in page and "Rubric tips" in page
    assert "Secret photosynthesis" not in page and "photosynthesis spam" not in page
    assert "0 posts found" in text(
        client.get(f"/communities/{module.id}/search?q=photosynthesis")
    )
    assert "Rubric tips" in text(
        client.get("/communities/search?q=photosynthesis&sort=unanswered")
    )
    # Hidden posts stay out of search even for their author.
    assert "0 posts found" in text(
        signed_in(world.colleague).get("/communities/search?q=spam")
    )


def test_moderation_report_hide_mute_lock(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    community = community_of(session, world.teacher, "district")
    thread = start(session, world.teacher, community, "Schedules")
    bad = service.reply(session, world.colleague, thread, body="Rude words")
    session.flush()
    reporter = signed_in(world.teacher)
    url = f"/communities/{community.id}/posts/{bad.id}"
    assert reporter.post(url + "/report", data={"reason": ""}).status_code == 422
    assert (
        reporter.post(
            url + "/report", data={"reason": "Unkind to a colleague"}
        ).status_code
        == 303
    )
    # The other district's administrator has nothing to see; this one's does.
    assert "Rude words" not in text(
        signed_in(world.other_admin).get("/communities/moderation")
    )
    assert signed_in(world.other_admin).get(url + "/moderate").status_code == 404
    assert reporter.get(url + "/moderate").status_code == 404
    moderator = signed_in(world.district_admin)
    queue = text(moderator.get("/communities/moderation"))
    assert "Rude words" in queue and "Unkind to a colleague" in queue
    assert (
        moderator.post(
            url + "/moderate", data={"action": "hide", "reason": ""}
        ).status_code
        == 422
    )
    assert (
        moderator.post(
            url + "/moderate", data={"action": "hide", "reason": "Please be kind"}
        ).status_code
        == 303
    )
    assert "Rude words" not in text(moderator.get("/communities/moderation"))
    assert any("Reason: Please be kind" in n for n in notes(session, world.colleague))
    # Hidden: 404 and absent for others, shown to its author and the moderator.
    assert reporter.get(url).status_code == 404
    assert "Rude words" not in text(
        reporter.get(f"/communities/{community.id}/threads/{thread.id}")
    )
    author = signed_in(world.colleague)
    assert "Rude words" in text(
        author.get(f"/communities/{community.id}/threads/{thread.id}")
    )
    assert "Rude words" in text(
        moderator.get(f"/communities/{community.id}/threads/{thread.id}")
    )
    # Mute for 3 days: the author can't post in this community.
    moderator.post(
        url + "/moderate", data={"action": "mute", "reason": "Cooling off", "days": "3"}
    )
    refused = author.post(
        f"/communities/{community.id}/threads/{thread.id}/reply",
        data={"body": "again", "action": "post"},
    )
    assert refused.status_code == 422 and "paused your posting" in text(refused)
    # Lock: no more replies from members.
    moderator.post(
        f"/communities/{community.id}/threads/{thread.id}/moderate",
        data={"action": "lock", "reason": "Resolved"},
    )
    locked = reporter.post(
        f"/communities/{community.id}/threads/{thread.id}/reply",
        data={"body": "late", "action": "post"},
    )
    assert locked.status_code == 422 and "locked" in text(locked)
    kinds = {a.kind.value for a in session.scalars(select(ModerationAction))}
    assert kinds == {"hide", "mute", "lock"}
    assert session.scalar(select(Report.resolved_at)) is not None


def test_coaches_moderate_module_posts_of_teachers_they_serve_only(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    module = community_of(session, world.teacher, "module")
    near = start(session, world.teacher, module, "Near")
    far = start(session, world.outsider, module, "Far")
    coach = signed_in(world.coach)
    near_post = session.scalar(select(Post.id).where(Post.thread_id == near.id))
    far_post = session.scalar(select(Post.id).where(Post.thread_id == far.id))
    assert (
        coach.get(f"/communities/{module.id}/posts/{near_post}/moderate").status_code
        == 200
    )
    assert (
        coach.get(f"/communities/{module.id}/posts/{far_post}/moderate").status_code
        == 404
    )


def test_topic_communities_are_made_by_coaches_and_open_to_all(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    teacher = signed_in(world.teacher)
    assert teacher.get("/communities/new").status_code == 404
    coach = signed_in(world.coach)
    assert (
        coach.post(
            "/communities/new", data={"name": " ", "description": ""}
        ).status_code
        == 422
    )
    response = coach.post(
        "/communities/new",
        data={
            "name": "Teaching with limited connectivity",
            "description": "Low-bandwidth ideas",
        },
    )
    assert response.status_code == 303
    topic = session.scalar(
        select(Community).where(Community.kind == CommunityKind.TOPIC)
    )
    assert "Teaching with limited connectivity" in text(
        signed_in(world.outsider).get("/communities")
    )
    assert topic.created_by_id == world.coach.id


def test_thread_and_community_pages_run_a_fixed_number_of_queries(
    app: Flask,
    session: Session,
    world: World,
    signed_in: SignedIn,
    count_queries: list[str],
) -> None:
    community = community_of(session, world.teacher, "district")
    client = signed_in(world.teacher)

    def measure(url: str) -> int:
        client.get(url)  # warm: read markers made once
        count_queries.clear()
        assert client.get(url).status_code == 200
        return len(count_queries)

    thread = start(session, world.colleague, community, "Busy thread")
    for n in range(4):
        service.reply(
            session,
            world.colleague if n % 2 else world.teacher,
            thread,
            body=f"reply {n}",
        )
    start(session, world.colleague, community, "Another")
    session.flush()
    small = (
        measure(f"/communities/{community.id}/threads/{thread.id}"),
        measure(f"/communities/{community.id}"),
    )
    for n in range(45):
        service.reply(
            session,
            [world.colleague, world.coach, world.district_admin][n % 3],
            thread,
            body=f"more {n}",
        )
        start(session, world.colleague, community, f"Thread {n}")
    session.flush()
    large = (
        measure(f"/communities/{community.id}/threads/{thread.id}?page=2"),
        measure(f"/communities/{community.id}?page=2"),
    )
    assert small == large, (small, large)


def test_a_search_with_very_many_results_counts_up_to_a_limit(
    app: Flask,
    session: Session,
    world: World,
    signed_in: SignedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "SEARCH_COUNT_LIMIT", 2)
    community = community_of(session, world.teacher, "district")
    for n in range(3):
        start(session, world.colleague, community, f"Fractions {n}", "fractions")
    session.flush()
    client = signed_in(world.teacher)
    page = text(client.get("/communities/search?q=fractions"))
    assert "More than 2 posts found. Add a word to narrow the search." in page
    assert "Fractions 2" in page and "Fractions 1" in page
    monkeypatch.setattr(service, "SEARCH_COUNT_LIMIT", 3)
    assert "3 posts found" in text(client.get("/communities/search?q=fractions"))


def test_every_page_of_a_long_thread_shows_its_posts_once_in_order(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    """Pages past the middle are read from the thread's end; together the pages
    still show each visible post once, oldest first, ties in time by id."""
    import re

    from sqlalchemy import update

    from pdhub.db import utcnow

    community = community_of(session, world.teacher, "district")
    thread = start(session, world.colleague, community, "Long one", "reply 00")
    for n in range(1, 45):
        service.reply(
            session,
            [world.colleague, world.teacher][n % 2],
            thread,
            body=f"reply {n:02d}",
        )
    session.flush()
    # Every post at the same moment: only the id orders them.
    session.execute(
        update(Post).where(Post.thread_id == thread.id).values(created_at=utcnow())
    )
    # Hidden: two of the colleague's replies and one of the reader's own (which
    # the reader still sees, and which the page count must include).
    for body in ("reply 12", "reply 13", "reply 14"):
        hidden = session.scalar(select(Post).where(Post.body_markdown == body))
        hidden.hidden_at = utcnow()
    session.flush()
    client = signed_in(world.teacher)
    shown = []
    for page in (1, 2, 3):
        html = client.get(
            f"/communities/{community.id}/threads/{thread.id}?page={page}"
        ).get_data(as_text=True)
        shown.append(re.findall(r"<p>reply (\d\d)</p>", html))
    expected = [f"{n:02d}" for n in range(45) if n not in (12, 14)]  # not theirs
    assert [len(p) for p in shown] == [20, 20, 3]
    assert shown[0] + shown[1] + shown[2] == expected


def test_a_mention_reaches_a_spanish_reader_in_spanish(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    """The colleague writes in English; the teacher she mentions reads PD Hub in
    Spanish, so the note is written in Spanish (the reader's language, not the
    writer's)."""
    world.teacher.language = "es"
    session.flush()
    community = community_of(session, world.teacher, "module")
    thread = start(session, world.teacher, community, "Offline lesson plans")
    response = signed_in(world.colleague).post(
        f"/communities/{community.id}/threads/{thread.id}/reply",
        data={"body": "Try printed packets, @maya.lopez", "action": "post"},
    )
    assert response.status_code == 303
    assert "Sam Green le mencionó en «Offline lesson plans»." in notes(
        session, world.teacher
    )


def test_the_communities_page_lists_a_page_at_a_time(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    """A platform with many open topic communities keeps the landing page small:
    24 to a page, newest activity first, with a way to the next page."""
    for n in range(30):
        service.create_topic(
            session, world.coach, name=f"Topic number {n:02d}", description=""
        )
    session.flush()
    client = signed_in(world.teacher)
    first = text(client.get("/communities"))
    second = text(client.get("/communities?page=2"))
    shown = [
        name
        for page in (first, second)
        for name in (f"Topic number {n:02d}" for n in range(30))
        if name in page
    ]
    assert len(shown) == 30  # every topic on one of the two pages, none twice
    assert sum(f"Topic number {n:02d}" in first for n in range(30)) <= 24
    assert "Page 1 of 2" in first and "Next page" in first
    assert "Page 2 of 2" in second and "Previous page" in second
    assert "Page 2 of 2" in text(client.get("/communities?page=99"))


def test_headings_in_a_post_stay_below_the_pages_own(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    """A post that starts with "# Title" must not add a second page heading: the
    thread's title is the page's one <h1>."""
    community = community_of(session, world.teacher, "module")
    client = signed_in(world.teacher)
    response = client.post(
        f"/communities/{community.id}/threads/new",
        data={
            "title": "Our plan",
            "body": "# Week one\n\n## Materials\n\nPaper packets.",
            "action": "post",
        },
    )
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert page.count("<h1") == 1
    assert "<h3>Week one</h3>" in page and "<h4>Materials</h4>" in page


def test_reading_a_thread_again_writes_nothing_until_there_is_something_new(
    session: Session,
    world: World,
    signed_in: SignedIn,
    count_queries: list[str],
) -> None:
    """The read marker moves only forward: a reader opening a thread they have read
    to its end costs no write (a busy thread's readers do not queue on their rows)."""
    community = community_of(session, world.teacher, "district")
    thread = start(session, world.colleague, community, "Read twice")
    session.flush()
    client = signed_in(world.teacher)
    url = f"/communities/{community.id}/threads/{thread.id}"

    def writes() -> list[str]:
        count_queries.clear()
        assert client.get(url).status_code == 200
        return [
            s for s in count_queries if "thread_reads" in s and s.lstrip().upper()
            .startswith(("INSERT", "UPDATE"))
        ]  # fmt: skip

    assert writes()  # the first read records the marker
    assert writes() == []  # nothing new: nothing written
    service.reply(session, world.colleague, thread, body="something new")
    session.flush()
    assert writes()  # a new post moves the marker on
