"""Creating notifications and queueing email; delivery happens in a task after commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from pdhub import jobs
from pdhub.accounts.models import User
from pdhub.db import utcnow
from pdhub.notifications.mail import mailer_for
from pdhub.notifications.models import EmailMessage, Notification


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
    **context: object,
) -> EmailMessage:
    """Render ``templates/email/<template>.txt`` into the outbox and send it after commit.

    With a ``key``, queueing the same email twice keeps one message (tasks may rerun).
    """
    if key is not None:
        existing = session.scalar(select(EmailMessage).where(EmailMessage.key == key))
        if existing is not None:
            return existing
    body = render_template(f"email/{template}.txt", **context)
    message = EmailMessage(key=key, to=to, subject=subject, body=body)
    session.add(message)
    session.flush()
    jobs.enqueue("pdhub.deliver_email", message.id)
    return message


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


def unsent_email_ids(session: Session, older_than_seconds: int | None = None) -> list[int]:
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
    return session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


# --- many at once (bulk issuing) ----------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One in-app notification to create (see notify)."""

    user: User
    key: str
    message: str
    link: str | None = None


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to render into the outbox (see queue_email)."""

    to: str
    subject: str
    template: str
    key: str
    context: dict[str, Any]


def notify_many(session: Session, notices: Sequence[Notice]) -> None:
    """``notify`` for many at once: one query for the keys already there, one insert."""
    keys = [notice.key for notice in notices]
    existing = set(
        session.scalars(select(Notification.key).where(Notification.key.in_(keys)))
    )
    rows = [
        {
            "user_id": notice.user.id,
            "key": notice.key,
            "message": notice.message,
            "link": notice.link,
        }
        for notice in notices
        if notice.key not in existing
    ]
    if rows:
        session.execute(insert(Notification), rows)


def queue_emails(session: Session, emails: Sequence[OutgoingEmail]) -> list[int]:
    """``queue_email`` for many at once, delivered by one job after commit.

    Keys make it idempotent as for one email. Returns the new messages' ids.
    """
    keys = [email.key for email in emails]
    existing = set(
        session.scalars(select(EmailMessage.key).where(EmailMessage.key.in_(keys)))
    )
    rows = [
        {
            "key": email.key,
            "to": email.to,
            "subject": email.subject,
            "body": render_template(f"email/{email.template}.txt", **email.context),
        }
        for email in emails
        if email.key not in existing
    ]
    if not rows:
        return []
    ids = list(session.scalars(insert(EmailMessage).returning(EmailMessage.id), rows))
    jobs.enqueue("pdhub.deliver_emails", ids)
    return ids
