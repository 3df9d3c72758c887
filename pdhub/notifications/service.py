"""Telling people things: ``tell`` saves in-app notifications and outbox emails, keyed
so each is made once; delivery runs in a task after commit."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select, update

from pdhub import jobs, tasks
from pdhub.accounts import timezones
from pdhub.accounts.models import User
from pdhub.db import Base, DbSession, utcnow
from pdhub.i18n import speaking_to
from pdhub.notifications.mail import mailer_for
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.privacy import encryption

#: What a sent message with a one-time link keeps in place of its body.
PURGED_BODY = "(Removed once sent: this message held a one-time link.)"


def absolute_link(path: str) -> str:
    """The link for an email: PDHUB_BASE_URL plus ``path``, never the request's Host
    (a forged Host header must not put an attacker's site into a genuine email)."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"expected a site path, got {path!r}")
    return str(current_app.config["PDHUB_BASE_URL"]) + path


def link_for(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as an absolute link from PDHUB_BASE_URL; also
    in a worker, which has no request (and no SERVER_NAME) to build URLs from."""
    if has_request_context():
        return absolute_link(url_for(endpoint, _external=False, **values))
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return absolute_link(adapter.build(endpoint, values))


@dataclass(frozen=True)
class Message:
    """One thing to tell one person, once.

    ``to`` is a User (told in the app when there is ``text``, and by email at their
    address when there is a ``subject``) or a bare email address (email only, say an
    invitation). ``key`` makes it idempotent: telling the same key again, from a job
    that reruns or a request sent twice, adds nothing. The email body is
    ``templates/email/<template>.txt`` rendered with ``context``; with ``secret`` (the
    body holds a one-time link) it is stored encrypted with PDHUB_DATA_KEY and emptied
    once sent.

    Everything is stored in the recipient's language (``accounts.languages``), not
    in the language of whoever caused it: give ``text`` and ``subject`` as lazy
    translations (``lazy_gettext("... %(module)s", module=title)``), which ``tell``
    reads in that language, as it renders the body.
    """

    key: str
    to: User | str
    text: str | LazyString | None = None
    link: str | None = None
    subject: str | LazyString | None = None
    template: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    secret: bool = False
    #: The email body already rendered (a caller sending thousands of one message
    #: that differs only in a link renders the template once); else ``template``.
    body: str | None = None
    #: Extra header fields of the email (a digest's List-Unsubscribe, RFC 8058).
    headers: Mapping[str, str] | None = None


def tell(session: DbSession, *messages: Message) -> list[int]:
    """The one way to tell people something: each message's in-app notification and
    email are saved where their key is new (one INSERT ... ON CONFLICT DO NOTHING per
    table), and the new emails leave in one delivery job after the commit (none if it
    rolls back). Returns the ids of the emails queued now."""
    now = utcnow()
    notes: list[dict[str, Any]] = []
    mails: list[dict[str, Any]] = []
    for m in messages:
        recipient = _recipient(session, m)
        with speaking_to(recipient):
            if isinstance(m.to, User) and m.text is not None:
                notes.append(
                    {
                        "user_id": m.to.id,
                        "key": m.key,
                        "message": str(m.text),
                        "link": m.link,
                        "created_at": now,
                    }
                )
            if m.subject is not None and m.template is not None:
                mails.append(
                    {
                        "key": m.key,
                        "to": m.to.email if isinstance(m.to, User) else m.to,
                        "subject": str(m.subject),
                        "body": _body(m, recipient),
                        "holds_secret": m.secret,
                        "created_at": now,
                        "attempts": 0,
                        "headers": dict(m.headers) if m.headers else None,
                    }
                )
    if notes:
        session.execute(_insert_new(session, Notification).values(notes))
    if not mails:
        return []
    ids = sorted(
        session.scalars(
            _insert_new(session, EmailMessage).values(mails).returning(EmailMessage.id)
        )
    )
    if len(ids) == 1:
        jobs.enqueue(tasks.DELIVER_EMAIL, ids[0])
    elif ids:
        jobs.enqueue(tasks.DELIVER_EMAILS, ids)
    return ids


def _recipient(session: DbSession, message: Message) -> User | None:
    """The person a message is for: its User, or the account with its address."""
    if isinstance(message.to, User):
        return message.to
    found: User | None = session.scalar(select(User).where(User.email == message.to))
    return found


def _body(message: Message, recipient: User | None) -> str:
    if message.body is not None:
        body = message.body
        return encryption.encrypt(body.encode()).decode() if message.secret else body
    context = dict(message.context)
    if "time_zone" not in context:
        # Times in an email read in its recipient's zone, not in the zone of whoever
        # caused it (a coach, an administrator) or UTC in a worker.
        context["time_zone"] = (
            timezones.zone_name_for(recipient) if recipient else timezones.UTC_NAME
        )
    body = render_template(f"email/{message.template}.txt", **context)
    return encryption.encrypt(body.encode()).decode() if message.secret else body


def _insert_new(session: DbSession, model: type[Base]) -> Any:
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` for ``model`` on this database."""
    dialect = session.get_bind().dialect.name
    insert: Callable[[type[Base]], Any]  # each dialect's own insert()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - PD Hub runs on PostgreSQL and SQLite only
        raise RuntimeError(f"no ON CONFLICT insert for {dialect}")
    return insert(model).on_conflict_do_nothing(index_elements=["key"])


def deliver_email(session: DbSession, message_id: int) -> bool:
    """Deliver one outbox message unless it was already sent; True if sent now.

    Commits twice, because delivery leaves the database: first the attempt (and the
    message's Message-ID, fixed before its first attempt), so a crash mid-send is on
    record and a resend is the same message; then, the moment the mail server accepts
    the message, ``sent_at``, so a redelivered job or the sweep never sends a message
    the server already took (save for the window described in ``mail``). The row is
    locked while sending, so two deliverers never send one message at once.
    """
    message = _locked(session, message_id)
    if message is None or message.sent_at is not None:
        return False
    message.attempts += 1
    message.last_attempt_at = utcnow()
    if message.message_id is None:
        host = urlsplit(current_app.config["PDHUB_BASE_URL"]).hostname or "pdhub"
        message.message_id = f"<pdhub.{message.id}.{secrets.token_hex(8)}@{host}>"
    session.commit()
    message = _locked(session, message_id)
    if message is None or message.sent_at is not None:
        return False  # another deliverer sent it while the attempt was recorded
    assert message.message_id is not None
    body = message.body
    if message.holds_secret:
        body = encryption.decrypt(body.encode()).decode()

    def accepted() -> None:
        message.sent_at = utcnow()
        if message.holds_secret:  # the outbox never keeps a live link once sent
            message.body = PURGED_BODY
        session.commit()

    mailer_for(current_app._get_current_object()).send(  # type: ignore[attr-defined]
        message.to,
        message.subject,
        body,
        message_id=message.message_id,
        accepted=accepted,
        headers=message.headers,
    )
    return True


def _locked(session: DbSession, message_id: int) -> EmailMessage | None:
    return session.get(
        EmailMessage, message_id, with_for_update=True, populate_existing=True
    )


def unsent_email_ids(
    session: DbSession, older_than_seconds: int | None = None
) -> list[int]:
    """Outbox messages whose delivery job never completed (for the periodic sweep)."""
    if older_than_seconds is None:
        older_than_seconds = current_app.config["PDHUB_SWEEP_AFTER_SECONDS"]
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    return list(
        session.scalars(
            select(EmailMessage.id)
            .where(EmailMessage.sent_at.is_(None), EmailMessage.created_at < cutoff)
            .where(EmailMessage.attempts < 10)
            .order_by(EmailMessage.id)
            .limit(500)
        )
    )


def unread_count(session: DbSession, user: User) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_all_read(session: DbSession, user: User) -> None:
    """Mark every unread notification of ``user`` as read."""
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
