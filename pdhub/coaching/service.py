"""Coaching conversations (bodies encrypted at rest with PDHUB_DATA_KEY; the other
person told in the app and by email in their own language) and office hours (slots a
coach publishes, one live booking per slot, a reminder before each booking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.coaching import policies
from pdhub.coaching.models import (
    Booking,
    Conversation,
    ConversationMessage,
    OfficeHourSlot,
)
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.notifications import service as notifications
from pdhub.privacy import encryption
from pdhub.review.models import CoachAssignment, Review
from pdhub.review.policies import scope_clause
from pdhub.submissions.models import Submission

MAX_SUBJECT = 200
MAX_BODY = 10_000
MAX_PLACE = 300
#: The booking reminder goes out this long before the slot starts.
REMINDER_BEFORE = timedelta(hours=24)


def coaches_for(session: DbSession, teacher: User) -> list[User]:
    """The coaches who serve ``teacher`` (their district, or their school of it)."""
    if teacher.district_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.role == Role.COACH,
                User.active.is_(True),
                exists().where(
                    CoachAssignment.coach_id == User.id,
                    CoachAssignment.district_id == teacher.district_id,
                    or_(
                        CoachAssignment.school_id.is_(None),
                        CoachAssignment.school_id == teacher.school_id,
                    ),
                ),
            )
            .order_by(User.name, User.id)
        )
    )


def _text(value: str, limit: int, field: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(_("Please write something first."), field=field)
    if len(cleaned) > limit:
        raise InvalidInput(
            _("Please keep this under %(limit)d characters.", limit=limit),
            field=field,
        )
    return cleaned


# --- conversations -------------------------------------------------------------------


def reviewer_of(session: DbSession, submission: Submission) -> int | None:
    """The coach who last reviewed ``submission`` (who the question is for)."""
    return session.scalar(
        select(Review.coach_id)
        .where(Review.submission_id == submission.id, Review.coach_id.is_not(None))
        .order_by(Review.decided_at.desc())
        .limit(1)
    )


def start(
    session: DbSession,
    teacher: User,
    coach: User,
    *,
    subject: str,
    body: str,
    submission: Submission | None = None,
) -> Conversation:
    """A teacher opens a conversation with a coach who serves them, perhaps about
    one of their submissions. Raises PermissionDenied, InvalidInput."""
    if not policies.can_coach(session, coach, teacher):
        raise InvalidInput(_("Choose one of your coaches."), field="coach")
    if submission is not None and submission.enrollment.user_id != teacher.id:
        raise PermissionDenied(_("That is not your submission."))
    conversation = Conversation(
        teacher_id=teacher.id,
        coach_id=coach.id,
        subject=_text(subject, MAX_SUBJECT, "subject"),
        submission_id=submission.id if submission is not None else None,
    )
    session.add(conversation)
    session.flush()
    write(session, teacher, conversation, body)
    return conversation


def served_teacher(session: DbSession, coach: User, teacher_id: int) -> User:
    """A teacher ``coach`` serves, by id; NotFound for anyone else (another
    district's teacher is not revealed)."""
    teacher = session.get(User, teacher_id)
    if (
        teacher is None
        or not teacher.active
        or not policies.can_coach(session, coach, teacher)
    ):
        raise NotFound(_("There is no such teacher among the people you coach."))
    return teacher


def served_among(session: DbSession, coach: User, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are active teachers ``coach`` serves (one query)."""
    if coach.role is not Role.COACH or not user_ids:
        return set()
    return set(
        session.scalars(
            select(User.id).where(
                User.id.in_(user_ids),
                User.id != coach.id,
                User.role == Role.TEACHER,
                User.active.is_(True),
                scope_clause(coach),
            )
        )
    )


def start_with_teacher(
    session: DbSession, coach: User, teacher: User, *, subject: str, body: str
) -> Conversation:
    """A coach opens a conversation with a teacher they serve; the teacher is told.
    Raises NotFound (not a teacher they serve), InvalidInput."""
    if not policies.can_coach(session, coach, teacher):
        raise NotFound(_("There is no such teacher among the people you coach."))
    conversation = Conversation(
        teacher_id=teacher.id,
        coach_id=coach.id,
        subject=_text(subject, MAX_SUBJECT, "subject"),
    )
    session.add(conversation)
    session.flush()
    write(session, coach, conversation, body)
    return conversation


def write(
    session: DbSession, author: User, conversation: Conversation, body: str
) -> ConversationMessage:
    """Add a message (encrypted) and tell the other person. Raises
    PermissionDenied, InvalidInput."""
    if not policies.is_party(author, conversation):
        raise PermissionDenied(_("Only the teacher and the coach write here."))
    text = _text(body, MAX_BODY, "body")
    message = ConversationMessage(
        conversation_id=conversation.id,
        author_id=author.id,
        body_encrypted=encryption.encrypt(text.encode()).decode(),
        key_version=encryption.key_version(),
    )
    session.add(message)
    conversation.last_message_at = utcnow()
    session.flush()
    other = (
        conversation.coach if author.id == conversation.teacher_id
        else conversation.teacher
    )  # fmt: skip
    path = f"/coaching/{conversation.id}"
    notifications.tell(
        session,
        notifications.Message(
            key=f"coaching:{conversation.id}:{message.id}",
            to=other,
            text=_l(
                "%(name)s wrote to you: %(subject)s",
                name=author.name,
                subject=conversation.subject,
            ),
            link=path,
            subject=_l("New message from %(name)s", name=author.name),
            template="coaching_message",
            # The message itself stays out of the email: it is encrypted at rest,
            # and the outbox is not.
            context={
                "person": other,
                "author": author,
                "subject": conversation.subject,
                "link": notifications.absolute_link(path),
            },
        ),
    )
    return message


def get(session: DbSession, user: User, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not policies.can_read(user, conversation):
        raise NotFound(_("There is no such conversation."))
    return conversation


@dataclass(frozen=True)
class ShownMessage:
    author: User | None
    created_at: datetime
    body: str


def messages(session: DbSession, conversation: Conversation) -> list[ShownMessage]:
    rows = session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation.id)
        .options(selectinload(ConversationMessage.author))
        .order_by(ConversationMessage.created_at, ConversationMessage.id)
    )
    shown = []
    for row in rows:
        try:
            body = encryption.decrypt(row.body_encrypted.encode()).decode()
        except encryption.DecryptionError:
            body = _("(This message can't be opened: its key is no longer configured.)")
        shown.append(ShownMessage(row.author, row.created_at, body))
    return shown


def conversations_of(session: DbSession, user: User) -> list[Conversation]:
    """The conversations ``user`` is part of (every one, for an administrator)."""
    query = (
        select(Conversation)
        .options(selectinload(Conversation.teacher), selectinload(Conversation.coach))
        .order_by(Conversation.last_message_at.desc(), Conversation.id)
    )
    if user.role is not Role.ADMIN:
        query = query.where(
            or_(Conversation.teacher_id == user.id, Conversation.coach_id == user.id)
        )
    return list(session.scalars(query.limit(200)))


# --- office hours --------------------------------------------------------------------


def publish_slot(
    session: DbSession,
    coach: User,
    *,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
) -> OfficeHourSlot:
    """A coach offers a time. Raises PermissionDenied, InvalidInput."""
    if not policies.can_publish_office_hours(coach):
        raise PermissionDenied(_("Only coaches publish office hours."))
    if starts_at <= utcnow():
        raise InvalidInput(_("Choose a time in the future."), field="starts_on")
    if not 10 <= duration_minutes <= 240:
        raise InvalidInput(
            _("Office hours last between 10 minutes and 4 hours."), field="duration"
        )
    cleaned = (place or "").strip()
    if not cleaned:
        raise InvalidInput(
            _("Say where to meet, or give the meeting link."), field="place"
        )
    if len(cleaned) > MAX_PLACE:
        raise InvalidInput(
            _("Please keep this under %(limit)d characters.", limit=MAX_PLACE),
            field="place",
        )
    slot = OfficeHourSlot(
        coach_id=coach.id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=cleaned,
    )
    session.add(slot)
    session.flush()
    return slot


def _live_booking() -> object:
    return exists().where(
        Booking.slot_id == OfficeHourSlot.id, Booking.cancelled_at.is_(None)
    )


def open_slots(session: DbSession, teacher: User) -> list[OfficeHourSlot]:
    """Future, unbooked slots of the coaches who serve ``teacher``."""
    coach_ids = [c.id for c in coaches_for(session, teacher)]
    if not coach_ids:
        return []
    return list(
        session.scalars(
            select(OfficeHourSlot)
            .where(
                OfficeHourSlot.coach_id.in_(coach_ids),
                OfficeHourSlot.cancelled_at.is_(None),
                OfficeHourSlot.starts_at > utcnow(),
                ~_live_booking(),  # type: ignore[operator]
            )
            .options(selectinload(OfficeHourSlot.coach))
            .order_by(OfficeHourSlot.starts_at, OfficeHourSlot.id)
            .limit(100)
        )
    )


def coach_slots(
    session: DbSession, coach: User
) -> list[tuple[OfficeHourSlot, Booking | None]]:
    """A coach's future slots, each with its live booking if any."""
    slots = list(
        session.scalars(
            select(OfficeHourSlot)
            .where(
                OfficeHourSlot.coach_id == coach.id,
                OfficeHourSlot.cancelled_at.is_(None),
                OfficeHourSlot.starts_at > utcnow(),
            )
            .order_by(OfficeHourSlot.starts_at, OfficeHourSlot.id)
            .limit(200)
        )
    )
    bookings = {
        b.slot_id: b
        for b in session.scalars(
            select(Booking)
            .where(
                Booking.slot_id.in_([s.id for s in slots]),
                Booking.cancelled_at.is_(None),
            )
            .options(selectinload(Booking.teacher))
        )
    }
    return [(slot, bookings.get(slot.id)) for slot in slots]


def get_slot(session: DbSession, slot_id: int) -> OfficeHourSlot:
    slot = session.get(OfficeHourSlot, slot_id)
    if slot is None:
        raise NotFound(_("There is no such time."))
    return slot


def book(session: DbSession, teacher: User, slot: OfficeHourSlot) -> Booking:
    """A teacher books a future slot of a coach who serves them. One live booking
    per slot, kept by the database (a partial unique index): of two teachers who
    book at once, the second is told it is taken. Raises NotFound, Conflict."""
    coach = session.get(User, slot.coach_id)
    if coach is None or not policies.can_coach(session, coach, teacher):
        raise NotFound(_("There is no such time."))
    if slot.cancelled_at is not None or slot.starts_at <= utcnow():
        raise Conflict(_("That time is no longer offered. Choose another."))
    booking = Booking(slot_id=slot.id, teacher_id=teacher.id)
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Someone else has just booked that time. Please choose another.")
        ) from None
    return booking


def get_booking(session: DbSession, user: User, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None or user.id not in {booking.teacher_id, booking.slot.coach_id}:
        raise NotFound(_("There is no such booking."))
    return booking


def cancel_booking(session: DbSession, actor: User, booking: Booking) -> None:
    """The teacher (or the coach) cancels; the slot opens again."""
    if actor.id not in {booking.teacher_id, booking.slot.coach_id}:
        raise NotFound(_("There is no such booking."))
    if booking.cancelled_at is None:
        booking.cancelled_at = utcnow()
    session.flush()


def withdraw_slot(session: DbSession, coach: User, slot: OfficeHourSlot) -> None:
    """The coach takes back a time they offered. A teacher who had booked it is told
    in their language, in the app and by email, and the withdrawal is in the audit
    trail. Withdrawing twice changes nothing. Raises NotFound (not their slot)."""
    if slot.coach_id != coach.id:
        raise NotFound(_("There is no such time."))
    if slot.cancelled_at is not None:
        return
    now = utcnow()
    slot.cancelled_at = now
    booking = session.scalar(
        select(Booking)
        .where(Booking.slot_id == slot.id, Booking.cancelled_at.is_(None))
        .options(selectinload(Booking.teacher))
    )
    session.flush()
    if booking is None:
        return
    booking.cancelled_at = now
    session.flush()
    teacher = booking.teacher
    path = "/coaching/office-hours"
    notifications.tell(
        session,
        notifications.Message(
            key=f"booking:{booking.id}:withdrawn",
            to=teacher,
            text=_l(
                "%(name)s can no longer meet at the office hours you booked. "
                "Choose another time.",
                name=coach.name,
            ),
            link=path,
            subject=_l("Office hours with %(name)s cancelled", name=coach.name),
            template="office_hours_withdrawn",
            context={
                "person": teacher,
                "coach": coach,
                "slot": slot,
                "link": notifications.absolute_link(path),
            },
        ),
    )
    audit.record(
        session,
        AuditAction.OFFICE_HOURS_WITHDRAW,
        actor=coach,
        object_type="office_hour_slot",
        object_id=slot.id,
        subject=teacher,
    )


def upcoming_bookings(session: DbSession, user: User) -> list[Booking]:
    """Live bookings of ``user`` (as the teacher, or as the coach) not yet over."""
    return list(
        session.scalars(
            select(Booking)
            .join(OfficeHourSlot, OfficeHourSlot.id == Booking.slot_id)
            .where(
                Booking.cancelled_at.is_(None),
                OfficeHourSlot.starts_at > utcnow() - timedelta(hours=1),
                or_(Booking.teacher_id == user.id, OfficeHourSlot.coach_id == user.id),
            )
            .options(
                selectinload(Booking.slot).selectinload(OfficeHourSlot.coach),
                selectinload(Booking.teacher),
            )
            .order_by(OfficeHourSlot.starts_at, Booking.id)
        )
    )


def send_reminders(session: DbSession) -> int:
    """Remind the teacher and the coach of each live booking starting within
    ``REMINDER_BEFORE``, once: each booking is claimed by setting ``reminded_at`` in
    one UPDATE ... WHERE reminded_at IS NULL, so a rerun or a second worker finds
    nothing left to claim. Returns the number of bookings reminded."""
    now = utcnow()
    due_slots = select(OfficeHourSlot.id).where(
        OfficeHourSlot.cancelled_at.is_(None),
        OfficeHourSlot.starts_at > now,
        OfficeHourSlot.starts_at <= now + REMINDER_BEFORE,
    )
    claimed = list(
        session.scalars(
            update(Booking)
            .where(
                Booking.cancelled_at.is_(None),
                Booking.reminded_at.is_(None),
                Booking.slot_id.in_(due_slots),
            )
            .values(reminded_at=now)
            .returning(Booking.id)
        )
    )
    if not claimed:
        return 0
    bookings = session.scalars(
        select(Booking)
        .where(Booking.id.in_(claimed))
        .options(
            selectinload(Booking.slot).selectinload(OfficeHourSlot.coach),
            selectinload(Booking.teacher),
        )
    )
    messages = []
    for booking in bookings:
        for person, other in (
            (booking.teacher, booking.slot.coach),
            (booking.slot.coach, booking.teacher),
        ):
            messages.append(
                notifications.Message(
                    key=f"booking:{booking.id}:reminder:{person.id}",
                    to=person,
                    text=_l(
                        "Reminder: office hours with %(name)s soon.", name=other.name
                    ),
                    link="/coaching/office-hours",
                    subject=_l("Reminder: office hours with %(name)s", name=other.name),
                    template="office_hours_reminder",
                    context={
                        "person": person,
                        "other": other,
                        "slot": booking.slot,
                        "link": notifications.absolute_link("/coaching/office-hours"),
                    },
                )
            )
    notifications.tell(session, *messages)
    session.flush()
    return len(claimed)
