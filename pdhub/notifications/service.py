"""Telling people things: ``tell`` saves in-app notifications and outbox emails, keyed
so each is made once; delivery runs in a task after commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.db import Base, utcnow
from pdhub.notifications.mail import mailer_for
from pdhub.notifications.models import EmailMessage, Notification


@dataclass(frozen=True)
class Message:
    """One thing to tell one person, once.

    ``to`` is a User (told in the app when there is ``text``, and by email at their
    address when there is a ``subject``) or a bare email address (email only, say an
    invitation). ``key`` makes it idempotent: telling the same key again, from a job
    that reruns or a request sent twice, adds nothing. The email body is
    ``templates/email/<template>.txt`` rendered with ``context``.
    """

    key: str
    to: User | str
    text: str | None = None
    link: str | None = None
    subject: str | None = None
    template: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


def tell(session: Session, *messages: Message) -> list[int]:
    """The one way to tell people something: each message's in-app notification and
    email are saved where their key is new (one INSERT ... ON CONFLICT DO NOTHING per
    table), and the new emails leave in one delivery job after the commit (none if it
    rolls back). Returns the ids of the emails queued now."""
    now = utcnow()
    notes = [
        {
            "user_id": m.to.id,
            "key": m.key,
            "message": m.text,
            "link": m.link,
            "created_at": now,
        }
        for m in messages
        if isinstance(m.to, User) and m.text is not None
    ]
    mails = [
        {
            "key": m.key,
            "to": m.to.email if isinstance(m.to, User) else m.to,
            "subject": m.subject,
            "body": render_template(f"email/{m.template}.txt", **m.context),
            "created_at": now,
            "attempts": 0,
        }
        for m in messages
        if m.subject is not None and m.template is not None
    ]
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


def deliver_email(session: Session, message_id: int) -> bool:
    """Deliver one outbox message unless it was already sent; True if sent now."""
    message = session.get(EmailMessage, message_id, with_for_update=True)
    if message is None or message.sent_at is not None:
        return False
    message.attempts += 1
    mailer_for(current_app._get_current_object()).send(  # type: ignore[attr-defined]
        message.to, message.subject, message.body
    )
    message.sent_at = utcnow()
    session.flush()
    return True


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
