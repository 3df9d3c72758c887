"""Creating notifications and queueing email; delivery runs in a task after commit."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pdhub import jobs
from pdhub.accounts import timezones
from pdhub.accounts.models import User
from pdhub.db import Base, utcnow
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
    """``url_for(endpoint, **values)`` as an absolute link from PDHUB_BASE_URL."""
    return absolute_link(url_for(endpoint, _external=False, **values))


def notify(
    session: Session, user: User, key: str, message: str, link: str | None = None
) -> Notification:
    """Create the in-app notification ``key`` for ``user`` once (idempotent by key)."""
    existing = session.scalar(select(Notification).where(Notification.key == key))
    if existing is not None:
        return existing
    notification = Notification(user_id=user.id, key=key, message=message, link=link)
    session.add(notification)
    session.flush()
    return notification


def queue_email(
    session: Session,
    to: str,
    subject: str,
    template: str,
    *,
    key: str | None = None,
    secret: bool = False,
    **context: object,
) -> EmailMessage:
    """Render ``templates/email/<template>.txt`` into the outbox; sent after commit.

    With a ``key``, queueing the same email twice keeps one message (tasks may rerun).
    With ``secret`` (the body holds a one-time link) the body is stored encrypted with
    PDHUB_DATA_KEY and emptied once sent.
    """
    if key is not None:
        existing = session.scalar(select(EmailMessage).where(EmailMessage.key == key))
        if existing is not None:
            return existing
    if "time_zone" not in context:
        # Times in an email read in its recipient's zone, not in the zone of whoever
        # caused it (a coach, an administrator) or UTC in a worker.
        recipient = session.scalar(select(User).where(User.email == to))
        context["time_zone"] = (
            timezones.zone_name_for(recipient) if recipient else timezones.UTC_NAME
        )
    body = render_template(f"email/{template}.txt", **context)
    if secret:
        body = encryption.encrypt(body.encode()).decode()
    message = EmailMessage(
        key=key, to=to, subject=subject, body=body, holds_secret=secret
    )
    session.add(message)
    session.flush()
    jobs.enqueue("pdhub.deliver_email", message.id)
    return message


class Note(NamedTuple):
    """An in-app notification to create once (by its key)."""

    user_id: int
    key: str
    message: str
    link: str | None = None


class Mail(NamedTuple):
    """A rendered email to queue once (by its key)."""

    key: str
    to: str
    subject: str
    body: str


def _insert_new(session: Session, model: type[Base]) -> Any:
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` for ``model`` on this database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - PD Hub runs on PostgreSQL and SQLite only
        raise RuntimeError(f"no ON CONFLICT insert for {dialect}")
    return insert(model).on_conflict_do_nothing(index_elements=["key"])


def notify_many(session: Session, notes: Sequence[Note]) -> None:
    """Create each in-app notification whose key is new, in one statement (a rerun
    of the job that made them adds none)."""
    if not notes:
        return
    now = utcnow()
    session.execute(
        _insert_new(session, Notification).values(
            [{**note._asdict(), "created_at": now} for note in notes]
        )
    )


def queue_emails(session: Session, mails: Sequence[Mail]) -> list[int]:
    """Put each email whose key is new into the outbox, in one statement, and send the
    new ones with one delivery job after commit; returns their ids."""
    if not mails:
        return []
    now = utcnow()
    ids = list(
        session.scalars(
            _insert_new(session, EmailMessage)
            .values(
                [{**mail._asdict(), "created_at": now, "attempts": 0} for mail in mails]
            )
            .returning(EmailMessage.id)
        )
    )
    if ids:
        jobs.enqueue("pdhub.deliver_emails", sorted(ids))
    return ids


def deliver_email(session: Session, message_id: int) -> bool:
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
    )
    return True


def _locked(session: Session, message_id: int) -> EmailMessage | None:
    return session.get(
        EmailMessage, message_id, with_for_update=True, populate_existing=True
    )


def unsent_email_ids(
    session: Session, older_than_seconds: int | None = None
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


def unread_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_all_read(session: Session, user: User) -> None:
    """Mark every unread notification of ``user`` as read."""
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
