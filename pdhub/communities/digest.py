"""The optional email digest of new posts in what a person follows: the choice
(daily, weekly or none), the beat job that sends each period's digest once in the
recipient's language, and one-click unsubscribe (RFC 8058) by a signed link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import aliased

from pdhub.accounts.models import User
from pdhub.communities import policies
from pdhub.communities.models import (
    Community,
    DigestFrequency,
    DigestSubscription,
    Post,
    Thread,
)
from pdhub.communities.service import followed_pairs
from pdhub.db import DbSession, utcnow
from pdhub.errors import InvalidInput
from pdhub.notifications.service import Message, link_for, tell

#: At most this many discussions are listed in one digest (the rest are counted).
MAX_THREADS = 20
UNSUBSCRIBE_SALT = "pdhub.community-digest.unsubscribe"


# --- the choice -----------------------------------------------------------------------


def frequency_of(session: DbSession, user: User) -> DigestFrequency | None:
    return session.scalar(
        select(DigestSubscription.frequency).where(
            DigestSubscription.user_id == user.id
        )
    )


def set_frequency(session: DbSession, user: User, frequency: str | None) -> None:
    """Ask for a daily or weekly digest, or none (``None`` or ""). Raises
    InvalidInput for another value."""
    if not frequency:
        session.execute(
            delete(DigestSubscription).where(DigestSubscription.user_id == user.id)
        )
        session.flush()
        return
    try:
        wanted = DigestFrequency(frequency)
    except ValueError:
        raise InvalidInput(
            str(_l("Choose daily, weekly or no digest.")), field="frequency"
        ) from None
    found = session.scalar(
        select(DigestSubscription).where(DigestSubscription.user_id == user.id)
    )
    if found is None:
        session.add(DigestSubscription(user_id=user.id, frequency=wanted))
    else:
        found.frequency = wanted
    session.flush()


# --- unsubscribe links ----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """A token naming ``user``, signed with the app's secret: whoever holds it may
    turn that person's digest off (and nothing else)."""
    return str(_serializer().dumps({"u": user.id}))


def user_for_token(session: DbSession, token: str) -> User | None:
    """The person a genuine token names; None for an altered or foreign one."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return session.get(User, data["u"])


def unsubscribe_link(user: User) -> str:
    return link_for("communities.unsubscribe", token=unsubscribe_token(user))


# --- sending --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The closed span of time one digest covers, and its key."""

    start: datetime
    end: datetime
    key: str


def period_for(frequency: DigestFrequency, now: datetime) -> Period:
    """The last complete period before ``now`` (UTC): yesterday for a daily digest,
    last week (Monday to Sunday, ISO) for a weekly one."""
    today = now.astimezone(UTC).date()
    if frequency is DigestFrequency.DAILY:
        first = today - timedelta(days=1)
        key = f"d{first.isoformat()}"
        last = today
    else:
        monday = today - timedelta(days=today.weekday())
        first = monday - timedelta(days=7)
        year, week, _day = first.isocalendar()
        key = f"w{year}-{week:02d}"
        last = monday
    return Period(_midnight(first), _midnight(last), key)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class DigestLine:
    community: str
    title: str
    count: int
    link: str


#: Subscribers handled per batch: each batch runs a fixed number of queries.
BATCH_SIZE = 500


def new_in_followed_many(
    session: DbSession, user_ids: list[int], period: Period
) -> dict[int, list[DigestLine]]:
    """For each of ``user_ids``: the discussions they follow (or that are in
    communities they follow) and can still open, with the number of visible posts by
    others in ``period``; busiest first, at most MAX_THREADS. One query, however
    many people and discussions."""
    if not user_ids:
        return {}
    followed = followed_pairs(user_ids)
    reader = aliased(User, name="reader")
    count = func.count(Post.id)
    counted = (
        select(
            followed.c.user_id,
            Thread.id.label("thread_id"),
            Thread.community_id,
            Thread.title,
            Community.name.label("community_name"),
            count.label("posts"),
            func.row_number()
            .over(partition_by=followed.c.user_id, order_by=(count.desc(), Thread.id))
            .label("rank"),
        )
        .select_from(followed)
        .join(reader, reader.id == followed.c.user_id)
        .join(Thread, Thread.id == followed.c.thread_id)
        .join(Community, Community.id == Thread.community_id)
        .join(Post, Post.thread_id == Thread.id)
        .where(
            policies.visible_to_clause(reader),
            Thread.hidden_at.is_(None),
            Post.hidden_at.is_(None),
            or_(Post.author_id.is_(None), Post.author_id != followed.c.user_id),
            Post.created_at >= period.start,
            Post.created_at < period.end,
        )
        .group_by(
            followed.c.user_id,
            Thread.id,
            Thread.community_id,
            Thread.title,
            Community.name,
        )
        .subquery("counted")
    )
    rows = session.execute(
        select(counted)
        .where(counted.c.rank <= MAX_THREADS)
        .order_by(counted.c.user_id, counted.c.rank)
    ).all()
    lines: dict[int, list[DigestLine]] = {}
    for row in rows:
        lines.setdefault(row.user_id, []).append(
            DigestLine(
                community=row.community_name,
                title=row.title,
                count=int(row.posts),
                link=link_for(
                    "communities.thread",
                    community_id=row.community_id,
                    thread_id=row.thread_id,
                ),
            )
        )
    return lines


def _digest_message(
    user: User, frequency: DigestFrequency, period: Period, lines: list[DigestLine]
) -> Message:
    total = sum(line.count for line in lines)
    daily = frequency is DigestFrequency.DAILY
    unsubscribe = unsubscribe_link(user)
    return Message(
        key=f"community-digest:{user.id}:{period.key}",
        to=user,
        subject=(
            lazy_ngettext(
                "Your daily digest: %(num)d new post in what you follow",
                "Your daily digest: %(num)d new posts in what you follow",
                total,
            )
            if daily
            else lazy_ngettext(
                "Your weekly digest: %(num)d new post in what you follow",
                "Your weekly digest: %(num)d new posts in what you follow",
                total,
            )
        ),
        template="community_digest",
        context={
            "user": user,
            "lines": lines,
            "daily": daily,
            "unsubscribe_link": unsubscribe,
            "settings_link": link_for("accounts.profile"),
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def send_digests(session: DbSession, now: datetime | None = None) -> int:
    """Queue each subscriber's digest of the last complete period, when there is
    anything new, in their language. Keyed by person and period, so however often
    this runs, nobody gets one period's digest twice. Subscribers go in batches of
    BATCH_SIZE, each in a fixed number of queries (the subscribers, one query per
    frequency for what is new, one insert). Returns how many were new."""
    now = now or utcnow()
    sent = 0
    after = 0
    while True:
        batch = session.execute(
            select(User, DigestSubscription.frequency)
            .join(DigestSubscription, DigestSubscription.user_id == User.id)
            .where(User.active.is_(True), User.id > after)
            .order_by(User.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return sent
        after = batch[-1][0].id
        messages: list[Message] = []
        for frequency in DigestFrequency:
            people = [user for user, chosen in batch if chosen is frequency]
            if not people:
                continue
            period = period_for(frequency, now)
            found = new_in_followed_many(session, [u.id for u in people], period)
            messages.extend(
                _digest_message(user, frequency, period, found[user.id])
                for user in people
                if found.get(user.id)
            )
        if messages:
            sent += len(tell(session, *messages))
        if len(batch) < BATCH_SIZE:
            return sent
