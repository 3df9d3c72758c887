"""Recording audit events (``record``, the one way in) and reading them back: a
district's or the whole platform's trail with filters and keyset paging, its CSV, and
a teacher's list of who opened their evidence."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session, make_transient

from pdhub.accounts.models import User
from pdhub.audit.models import AuditAction, AuditEvent, AuditOutcome
from pdhub.db import DbSession

#: Rows on one page of the trail.
PAGE_SIZE = 50
#: Rows in one CSV download (a longer trail is narrowed with the date filters).
CSV_LIMIT = 50_000
#: Keys never written to ``detail``, whatever a caller passes.
_SECRET_KEYS = frozenset(
    {"password", "token", "code", "secret", "confirm", "recovery_code", "key"}
)
#: The actions a teacher sees on /account/activity: someone opened their evidence.
VIEWS_OF_MY_WORK = (
    AuditAction.EVIDENCE_VIEW,
    AuditAction.EVIDENCE_DOWNLOAD,
    AuditAction.ATTACHMENT_DOWNLOAD,
    AuditAction.CERTIFICATE_DOWNLOAD,
    AuditAction.CONVERSATION_VIEW,
)


def _clean_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if key.lower() in _SECRET_KEYS:
            continue
        if isinstance(value, str):
            value = value[:200]
        elif not isinstance(value, int | float | bool | None):
            value = str(value)[:200]
        out[key] = value
    return out


def record(
    session: DbSession,
    action: AuditAction,
    *,
    actor: User | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    subject: User | None = None,
    subject_id: int | None = None,
    district_id: int | None = None,
    outcome: AuditOutcome = AuditOutcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the trail (saved with the caller's transaction: a request
    that only reads commits it in ``pdhub.audit.views.init_app``'s after-request
    hook). The district is the one whose data it is (the subject's), else the
    actor's. The address and browser come from the current request, if any."""
    if subject is not None:
        subject_id = subject.id
    if district_id is None:
        if subject is not None and subject.district_id is not None:
            district_id = subject.district_id
        elif actor is not None:
            district_id = actor.district_id
    ip = user_agent = None
    if has_request_context():
        ip = (request.remote_addr or "")[:45] or None
        user_agent = (request.headers.get("User-Agent") or "")[:300] or None
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role.value if actor is not None else None,
        action=action.value,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        subject_id=subject_id,
        district_id=district_id,
        ip=ip,
        user_agent=user_agent,
        outcome=outcome,
        detail=_clean_detail(detail),
        occurred_at=datetime.now(UTC),
    )
    session.add(event)
    session.info.setdefault(_UNSAVED, []).append(event)
    return event


#: session.info key: the events recorded since the session's last commit.
_UNSAVED = "audit_unsaved"


@event.listens_for(Session, "after_commit")
def _forget_saved(session: Session) -> None:
    session.info.pop(_UNSAVED, None)


def recorded_in_this_transaction(
    session: DbSession, action: AuditAction, object_id: int | str
) -> bool:
    """Whether this transaction already recorded ``action`` on ``object_id`` (one
    request that looks a thing up twice is one event)."""
    return any(
        e.action == action.value and e.object_id == str(object_id)
        for e in session.info.get(_UNSAVED, ())
    )


def has_unsaved_events(session: DbSession) -> bool:
    """Whether events recorded in this transaction still wait for a commit (a
    rollback drops them, as it drops the rest of the transaction's work)."""
    return any(e in session for e in session.info.get(_UNSAVED, ()))


def record_view_of(
    session: DbSession,
    action: AuditAction,
    actor: Any,
    owner: User | None,
    object_type: str,
    object_id: int | str,
) -> None:
    """Record ``actor`` opening ``owner``'s work, unless it is their own."""
    if (
        owner is None
        or getattr(actor, "id", None) == owner.id
        or not getattr(actor, "is_authenticated", False)
    ):
        return
    record(
        session,
        action,
        actor=actor,
        subject=owner,
        object_type=object_type,
        object_id=object_id,
    )


def rollback_keeping_events(session: DbSession) -> None:
    """Roll back the transaction but keep the audit events not yet saved (a refused
    request undoes its work, not the record of what led up to it, such as the use
    of an API token)."""
    waiting = [e for e in session.info.get(_UNSAVED, ()) if e in session]
    session.rollback()
    for unsaved in waiting:
        make_transient(unsaved)
        unsaved.id = None
    session.info[_UNSAVED] = waiting
    session.add_all(waiting)


# --- reading the trail ---------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; every field is optional."""

    action: str | None = None
    actor_email: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    actor: User | None
    subject: User | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_before: int | None


def _query(
    session: DbSession, district_id: int | None, filters: Filters
) -> Select[Any] | None:
    """The events in scope: ``district_id`` None means every district (platform
    administrators); else only that district's. None when nothing can match."""
    query = select(AuditEvent)
    if district_id is not None:
        query = query.where(AuditEvent.district_id == district_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor_email:
        from pdhub.accounts.service import canonical_email

        actor_id = session.scalar(
            select(User.id).where(User.email == canonical_email(filters.actor_email))
        )
        if actor_id is None:
            return None
        query = query.where(AuditEvent.actor_id == actor_id)
    if filters.since:
        start = datetime.combine(filters.since, time(), tzinfo=UTC)
        query = query.where(AuditEvent.occurred_at >= start)
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), tzinfo=UTC)
        query = query.where(AuditEvent.occurred_at < end)
    return query


def _people(session: DbSession, events: Sequence[AuditEvent]) -> dict[int, User]:
    ids = {e.actor_id for e in events} | {e.subject_id for e in events}
    ids.discard(None)
    if not ids:
        return {}
    users = session.scalars(select(User).where(User.id.in_(ids))).all()
    return {u.id: u for u in users}


def _rows(session: DbSession, events: Sequence[AuditEvent]) -> list[Row]:
    people = _people(session, events)
    return [
        Row(
            event=e,
            actor=people.get(e.actor_id) if e.actor_id else None,
            subject=people.get(e.subject_id) if e.subject_id else None,
        )
        for e in events
    ]


def events_page(
    session: DbSession,
    district_id: int | None,
    filters: Filters,
    before: int | None = None,
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of the trail, newest first, starting below event id ``before``
    (keyset paging: the same two queries on every page, however deep)."""
    query = _query(session, district_id, filters)
    if query is None:
        return Page(rows=[], next_before=None)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(page_size + 1)
    ).all()
    more = len(events) > page_size
    events = events[:page_size]
    return Page(
        rows=_rows(session, events),
        next_before=events[-1].id if more and events else None,
    )


CSV_HEADER = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subject_id",
    "district_id",
    "outcome",
    "ip",
    "user_agent",
    "detail",
)


def csv_rows(
    session: DbSession, district_id: int | None, filters: Filters
) -> Iterator[list[str | int | None]]:
    """The filtered trail as CSV rows (through pdhub.exports, which neutralizes
    cells a spreadsheet would run), newest first, in pages of 1,000."""
    import json

    before: int | None = None
    written = 0
    while written < CSV_LIMIT:
        page = events_page(session, district_id, filters, before, page_size=1000)
        for row in page.rows:
            e = row.event
            yield [
                e.id,
                e.occurred_at.isoformat(),
                e.actor_id,
                row.actor.email if row.actor else None,
                e.actor_role,
                e.action,
                e.object_type,
                e.object_id,
                e.subject_id,
                e.district_id,
                e.outcome.value,
                e.ip,
                e.user_agent,
                json.dumps(e.detail, sort_keys=True) if e.detail else None,
            ]
        written += len(page.rows)
        if page.next_before is None:
            return
        before = page.next_before


def views_of_my_work(session: DbSession, user: User, before: int | None = None) -> Page:
    """Who opened ``user``'s evidence, files and certificates, newest first."""
    query = select(AuditEvent).where(
        AuditEvent.subject_id == user.id,
        AuditEvent.action.in_([a.value for a in VIEWS_OF_MY_WORK]),
        AuditEvent.actor_id != user.id,
    )
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)
    ).all()
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    return Page(
        rows=_rows(session, events),
        next_before=events[-1].id if more and events else None,
    )
