"""The community email digest: the choice on the account page, one email per person
and period listing what is new in what they follow, and one-click unsubscribe by a
signed link (RFC 8058) that refuses a tampered token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.communities import digest, service
from pdhub.communities.models import (
    DigestFrequency,
    DigestSubscription,
    Follow,
    Post,
)
from pdhub.notifications.models import EmailMessage
from tests.communities.conftest import SignedIn, World, community_of, start
from tests.factories import UserFactory
from tests.helpers import text

NOW = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # a Tuesday morning
YESTERDAY = NOW - timedelta(hours=12)


def _backdate(session: Session, when: datetime) -> None:
    session.execute(update(Post).values(created_at=when))
    session.flush()


def _digests(session: Session) -> list[EmailMessage]:
    return list(
        session.scalars(
            select(EmailMessage).where(EmailMessage.key.like("community-digest:%"))
        )
    )


def test_a_daily_digest_lists_new_posts_in_what_they_follow_once(
    session: Session, world: World
) -> None:
    district = community_of(session, world.teacher, "district")
    service.follow(session, world.teacher, community=district)
    laptops = start(session, world.colleague, district, "Sharing laptops", "How?")
    service.reply(session, world.coach, laptops, body="Use stations.")
    mine = start(session, world.teacher, district, "My own question", "Only mine")
    hidden = service.reply(session, world.colleague, mine, body="spam spam")
    hidden.hidden_at = YESTERDAY
    _backdate(session, YESTERDAY)
    digest.set_frequency(session, world.teacher, "daily")
    digest.set_frequency(session, world.colleague, "weekly")  # nothing last week
    assert digest.send_digests(session, NOW) == 1
    (email,) = _digests(session)
    assert email.to == world.teacher.email
    assert email.subject == "Your daily digest: 2 new posts in what you follow"
    assert "Sharing laptops (Riverside): 2 new posts" in email.body
    assert "My own question" not in email.body  # her own posts and a hidden one
    assert email.headers is not None
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email.headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://localhost/communities/digest/unsubscribe/")
    assert link in email.body
    # The beat job runs again (hourly): the same period is never sent twice.
    assert digest.send_digests(session, NOW + timedelta(hours=1)) == 0
    assert len(_digests(session)) == 1


def test_a_digest_leaves_out_what_the_reader_can_no_longer_open(
    session: Session, world: World
) -> None:
    lakeside = community_of(session, world.outsider, "district")
    start(session, world.outsider, lakeside, "Lakeside plans", "private")
    # A follow row left from before (say she moved district) gives her nothing.
    session.add(Follow(user_id=world.teacher.id, community_id=lakeside.id))
    _backdate(session, YESTERDAY)
    digest.set_frequency(session, world.teacher, "daily")
    assert digest.send_digests(session, NOW) == 0


def test_the_digest_choice_is_made_on_the_account_page(
    session: Session, world: World, signed_in: SignedIn
) -> None:
    client = signed_in(world.teacher)
    page = text(client.get("/account"))
    assert "Community digest" in page
    assert (
        client.post("/communities/digest", data={"frequency": "weekly"}).status_code
        == 303
    )
    assert digest.frequency_of(session, world.teacher) is DigestFrequency.WEEKLY
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="weekly"', account)
    client.post("/communities/digest", data={"frequency": "hourly"})
    assert digest.frequency_of(session, world.teacher) is DigestFrequency.WEEKLY
    client.post("/communities/digest", data={"frequency": ""})
    assert digest.frequency_of(session, world.teacher) is None


@pytest.fixture
def csrf_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in production: forms need their CSRF token."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_one_click_unsubscribe_works_without_a_session_or_csrf_token(
    app: Flask, session: Session, world: World, csrf_on: None
) -> None:
    digest.set_frequency(session, world.teacher, "daily")
    url = f"/communities/digest/unsubscribe/{digest.unsubscribe_token(world.teacher)}"
    client = app.test_client()  # a mail program: no session, no cookie
    page = client.get(url)
    assert page.status_code == 200 and "Stop digest emails" in text(page)
    assert digest.frequency_of(session, world.teacher) is DigestFrequency.DAILY
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "no more digest emails" in text(done)
    assert digest.frequency_of(session, world.teacher) is None


def test_a_tampered_unsubscribe_token_is_refused(
    app: Flask, session: Session, world: World
) -> None:
    digest.set_frequency(session, world.teacher, "daily")
    digest.set_frequency(session, world.colleague, "daily")
    token = digest.unsubscribe_token(world.teacher)
    payload, signature = token.split(".")
    other = digest.unsubscribe_token(world.colleague).split(".")[0]
    forged = [
        f"{other}.{signature}",  # someone else's id under her signature
        f"{payload}.{signature[:-2]}xx",
        payload,
        "nonsense",
    ]
    client = app.test_client()
    for bad in forged:
        response = client.post(f"/communities/digest/unsubscribe/{bad}")
        assert response.status_code == 404, bad
        assert "This link does not work" in text(response)
    assert digest.frequency_of(session, world.teacher) is DigestFrequency.DAILY
    assert digest.frequency_of(session, world.colleague) is DigestFrequency.DAILY
    assert session.scalar(select(func.count(DigestSubscription.id))) == 2


def test_the_digest_runs_a_fixed_number_of_queries_per_batch(
    app: Flask,
    session: Session,
    world: World,
    count_queries: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More subscribers in a batch cost no more queries; each still gets only what
    they may open, without their own posts; a second batch costs the same again."""
    district = community_of(session, world.teacher, "district")
    lakeside = community_of(session, world.outsider, "district")
    laptops = start(session, world.colleague, district, "Sharing laptops", "How?")
    start(session, world.outsider, lakeside, "Lakeside plans", "private")

    def subscribe(person: User) -> None:
        service.follow(session, person, community=district)
        # A follow left from before (a move of district) gives nothing.
        session.add(Follow(user_id=person.id, community_id=lakeside.id))
        digest.set_frequency(session, person, "daily")

    def run(key_day: datetime) -> int:
        _backdate(session, key_day - timedelta(hours=12))
        count_queries.clear()
        digest.send_digests(session, key_day)
        return len(count_queries)

    subscribe(world.teacher)
    one = run(NOW)
    assert one <= 4
    people = [UserFactory(district=world.district) for _ in range(6)]
    session.flush()
    for person in people:
        subscribe(person)
        service.reply(session, person, laptops, body=f"From {person.name}")
    digest.set_frequency(session, world.colleague, "weekly")
    following_day = NOW + timedelta(days=1)
    assert run(following_day) == one + 1  # the weekly group: one more query
    sent = {e.to: e.body for e in _digests(session) if e.key.endswith("d2026-12-08")}
    assert set(sent) == {world.teacher.email} | {p.email for p in people}
    for person in people:
        assert "Sharing laptops (Riverside): 6 new posts" in sent[person.email]
        assert "Lakeside plans" not in sent[person.email]
    assert "Sharing laptops (Riverside): 7 new posts" in sent[world.teacher.email]
    # Batches of three: three batches of subscribers, each the same few queries.
    monkeypatch.setattr(digest, "BATCH_SIZE", 3)
    assert run(NOW + timedelta(days=2)) <= 3 * (one + 1) + 1
