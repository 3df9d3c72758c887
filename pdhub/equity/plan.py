"""The planning workbook of a cycle: reflection answers, goals and action items per
area, the owners' reminders, and the plan as CSV and PDF."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.districts.assignments import (
    DUE_SOON_DAYS,
    OVERDUE_REMINDER_DAYS,
    district_today,
)
from pdhub.districts.models import District, ReminderStage
from pdhub.equity import policies, service
from pdhub.equity.instrument import Instrument
from pdhub.equity.models import (
    ActionStatus,
    EquityAction,
    EquityActionReminder,
    EquityCycle,
    EquityGoal,
    EquityReflection,
)
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.exports import csv_text
from pdhub.notifications import service as notifications


def status_label(status: ActionStatus) -> str:
    return str(
        {
            ActionStatus.NOT_STARTED: _("Not started"),
            ActionStatus.IN_PROGRESS: _("In progress"),
            ActionStatus.DONE: _("Done"),
            ActionStatus.BLOCKED: _("Blocked"),
        }[status]
    )


STATUS_CHOICES = [
    SelectChoice(ActionStatus.NOT_STARTED.value, _l("Not started")),
    SelectChoice(ActionStatus.IN_PROGRESS.value, _l("In progress")),
    SelectChoice(ActionStatus.DONE.value, _l("Done")),
    SelectChoice(ActionStatus.BLOCKED.value, _l("Blocked")),
]


def _district(session: DbSession, cycle: EquityCycle) -> District:
    district = session.get(District, cycle.district_id)
    if district is None:
        raise NotFound(_("There is no such district."))
    return district


def _require_editor(session: DbSession, actor: User, cycle: EquityCycle) -> District:
    district = _district(session, cycle)
    if not policies.can_edit_plan(session, actor, district):
        raise PermissionDenied(_("Only the district's equity team edits its plan."))
    return district


def _check_area(instrument: Instrument, area_id: str) -> None:
    if instrument.area(area_id) is None:
        raise InvalidInput(_("Choose an area of the self-assessment."), field="area")


# --- reading -------------------------------------------------------------------------


@dataclass
class Workbook:
    cycle: EquityCycle
    reflections: dict[str, str]
    goals: list[EquityGoal]
    actions: list[EquityAction]

    def goals_in(self, area_id: str) -> list[EquityGoal]:
        return [g for g in self.goals if g.area_id == area_id]

    def actions_in(self, area_id: str) -> list[EquityAction]:
        return [a for a in self.actions if a.area_id == area_id]


def workbook(session: DbSession, cycle: EquityCycle) -> Workbook:
    return Workbook(
        cycle,
        {
            r.question_id: r.answer
            for r in session.scalars(
                select(EquityReflection).where(EquityReflection.cycle_id == cycle.id)
            )
        },
        list(
            session.scalars(
                select(EquityGoal)
                .where(EquityGoal.cycle_id == cycle.id)
                .order_by(EquityGoal.id)
            )
        ),
        list(
            session.scalars(
                select(EquityAction)
                .where(EquityAction.cycle_id == cycle.id)
                .options(selectinload(EquityAction.owner))
                .order_by(EquityAction.due_date, EquityAction.id)
            )
        ),
    )


# --- writing -------------------------------------------------------------------------


def save_reflections(
    session: DbSession,
    actor: User,
    cycle: EquityCycle,
    instrument: Instrument,
    area_id: str,
    answers: dict[str, str],
) -> None:
    """The team's answers to an area's reflection questions. Raises
    PermissionDenied, InvalidInput."""
    _require_editor(session, actor, cycle)
    _check_area(instrument, area_id)
    area = instrument.area(area_id)
    assert area is not None  # noqa: S101 (checked just above)
    asked = {q.id for q in area.reflection}
    existing = {
        r.question_id: r
        for r in session.scalars(
            select(EquityReflection).where(
                EquityReflection.cycle_id == cycle.id,
                EquityReflection.area_id == area_id,
            )
        )
    }
    for question_id, answer in answers.items():
        if question_id not in asked:
            raise InvalidInput(_("There is no such question."))
        row = existing.get(question_id)
        if row is None:
            row = EquityReflection(
                cycle_id=cycle.id, area_id=area_id, question_id=question_id
            )
            session.add(row)
        row.answer = answer.strip()
    session.flush()


def add_goal(
    session: DbSession,
    actor: User,
    cycle: EquityCycle,
    instrument: Instrument,
    area_id: str,
    text: str,
) -> EquityGoal:
    _require_editor(session, actor, cycle)
    _check_area(instrument, area_id)
    goal = EquityGoal(cycle_id=cycle.id, area_id=area_id, text=text.strip())
    session.add(goal)
    session.flush()
    return goal


def get_goal(session: DbSession, district: District, goal_id: int) -> EquityGoal:
    goal = session.get(EquityGoal, goal_id)
    cycle = session.get(EquityCycle, goal.cycle_id) if goal else None
    if goal is None or cycle is None or cycle.district_id != district.id:
        raise NotFound(_("There is no such goal."))
    return goal


def remove_goal(session: DbSession, actor: User, goal: EquityGoal) -> None:
    cycle = session.get(EquityCycle, goal.cycle_id)
    if cycle is None:
        raise NotFound(_("There is no such goal."))
    _require_editor(session, actor, cycle)
    session.delete(goal)
    session.flush()


@dataclass(frozen=True)
class ActionInput:
    area_id: str
    title: str
    owner_id: int
    due_date: date
    status: ActionStatus
    evidence_url: str = ""


def _owner(session: DbSession, district: District, owner_id: int) -> User:
    """An action's owner is a member of the team."""
    owner = session.get(User, owner_id)
    if owner is None or policies.team_role(session, owner, district) is None:
        raise InvalidInput(_("Choose a member of the team."), field="owner")
    return owner


def _apply(
    session: DbSession,
    district: District,
    instrument: Instrument,
    action: EquityAction,
    given: ActionInput,
) -> None:
    _check_area(instrument, given.area_id)
    action.area_id = given.area_id
    action.title = given.title.strip()
    action.owner_id = _owner(session, district, given.owner_id).id
    action.due_date = given.due_date
    action.status = given.status
    action.evidence_url = (
        service.check_links(given.evidence_url, "evidence_url")
        if given.evidence_url.strip()
        else ""
    )
    if "\n" in action.evidence_url:
        raise InvalidInput(_("Give one link."), field="evidence_url")


def add_action(
    session: DbSession,
    actor: User,
    cycle: EquityCycle,
    instrument: Instrument,
    given: ActionInput,
) -> EquityAction:
    """An action item with its owner (a team member), due date and status. Raises
    PermissionDenied, InvalidInput."""
    district = _require_editor(session, actor, cycle)
    action = EquityAction(cycle_id=cycle.id)
    _apply(session, district, instrument, action, given)
    session.add(action)
    session.flush()
    return action


def get_action(session: DbSession, district: District, action_id: int) -> EquityAction:
    action = session.get(EquityAction, action_id)
    cycle = session.get(EquityCycle, action.cycle_id) if action else None
    if action is None or cycle is None or cycle.district_id != district.id:
        raise NotFound(_("There is no such action item."))
    return action


def update_action(
    session: DbSession,
    actor: User,
    action: EquityAction,
    instrument: Instrument,
    given: ActionInput,
) -> None:
    cycle = session.get(EquityCycle, action.cycle_id)
    if cycle is None:
        raise NotFound(_("There is no such action item."))
    district = _require_editor(session, actor, cycle)
    previous_due = action.due_date
    _apply(session, district, instrument, action, given)
    if action.due_date != previous_due:
        # A new due date earns new reminders.
        for reminder in session.scalars(
            select(EquityActionReminder).where(
                EquityActionReminder.action_id == action.id
            )
        ):
            session.delete(reminder)
    session.flush()


# --- reminders -----------------------------------------------------------------------


def _claim(session: DbSession, action_id: int, stage: ReminderStage) -> bool:
    """Record the reminder unless it was sent before (ON CONFLICT DO NOTHING)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(EquityActionReminder)
        .values(action_id=action_id, stage=stage.value, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["action_id", "stage"])
        .returning(EquityActionReminder.id)
    )
    return session.scalar(statement) is not None


def send_reminders(session: DbSession) -> int:
    """Remind each open action item's owner when it is due within ``DUE_SOON_DAYS``
    days and once it is overdue, once per item and stage (the row is claimed before
    the owner is told, so a rerun sends nothing twice). Only the open (newest)
    cycle's items are reminded."""
    sent = 0
    for district in session.scalars(select(District)):
        cycle = service.current_cycle(session, district)
        if cycle is None:
            continue
        today = district_today(district)
        for action in session.scalars(
            select(EquityAction)
            .where(
                EquityAction.cycle_id == cycle.id,
                EquityAction.status != ActionStatus.DONE,
                EquityAction.owner_id.is_not(None),
            )
            .options(selectinload(EquityAction.owner))
        ):
            days_left = (action.due_date - today).days
            if 0 <= days_left <= DUE_SOON_DAYS:
                stage = ReminderStage.DUE_SOON
            elif -OVERDUE_REMINDER_DAYS <= days_left < 0:
                stage = ReminderStage.OVERDUE
            else:
                continue
            if action.owner is None or not _claim(session, action.id, stage):
                continue
            notifications.tell(session, _reminder(action, action.owner, stage))
            sent += 1
    session.flush()
    return sent


def _reminder(
    action: EquityAction, owner: User, stage: ReminderStage
) -> notifications.Message:
    # Lazy texts: notifications.tell renders them in the owner's language.
    link = notifications.link_for("equity.plan_page") + f"#action-{action.id}"
    due = action.due_date.isoformat()
    if stage is ReminderStage.DUE_SOON:
        text = _l(
            "Your equity plan action is due on %(date)s: %(title)s",
            date=due,
            title=action.title,
        )
        subject = _l("Due soon: %(title)s", title=action.title)
    else:
        text = _l(
            "Your equity plan action was due on %(date)s: %(title)s",
            date=due,
            title=action.title,
        )
        subject = _l("Overdue: %(title)s", title=action.title)
    return notifications.Message(
        key=f"equity-action:{action.id}:{stage.value}",
        to=owner,
        text=text,
        link=link,
        subject=subject,
        template="equity_action_reminder",
        context={
            "person": owner,
            "title": action.title,
            "due_date": action.due_date,
            "overdue": stage is ReminderStage.OVERDUE,
            "link": link,
        },
    )


# --- the plan as CSV and PDF ---------------------------------------------------------


def plan_rows(
    book: Workbook, instrument: Instrument
) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    for area in instrument.areas:
        for action in book.actions_in(area.id):
            rows.append(
                (
                    area.title,
                    action.title,
                    action.owner.name if action.owner else "",
                    action.due_date.isoformat(),
                    status_label(action.status),
                    action.evidence_url,
                )
            )
    return rows


def plan_csv(book: Workbook, instrument: Instrument) -> str:
    header = [
        _("Area"), _("Action"), _("Owner"), _("Due date"), _("Status"),
        _("Evidence of progress"),
    ]  # fmt: skip
    return csv_text(header, plan_rows(book, instrument))


def _latin1(text: str) -> str:
    # The PDF core fonts cover Latin-1 only; decompose other letters, drop the rest.
    if all(ord(ch) < 256 for ch in text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ord(ch) < 256)


def _line(pdf: FPDF, height: float, text: str) -> None:
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def plan_pdf(district: District, book: Workbook, instrument: Instrument) -> bytes:
    """The one-page plan: per area its goals and action items (owner, due date,
    status), in the reader's language."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(14, 12, 14)
    pdf.add_page()
    pdf.set_title(_latin1(_("Digital equity plan")))
    pdf.set_font("Helvetica", "B", 16)
    _line(
        pdf, 8, _latin1(_("Digital equity plan: %(district)s", district=district.name))
    )
    pdf.set_font("Helvetica", "", 10)
    _line(pdf, 5, _latin1(_("Cycle: %(name)s · %(date)s", name=book.cycle.name,
                            date=format_date(utcnow().date()))))  # fmt: skip
    for area in instrument.areas:
        goals = book.goals_in(area.id)
        actions = book.actions_in(area.id)
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 12)
        _line(pdf, 6, _latin1(area.title))
        pdf.set_font("Helvetica", "", 9)
        for goal in goals:
            _line(pdf, 4.5, _latin1(_("Goal: %(text)s", text=goal.text)))
        if not goals and not actions:
            _line(pdf, 4.5, _latin1(_("No goals or actions yet.")))
        for action in actions:
            line = _(
                "- %(title)s (%(owner)s, due %(date)s): %(status)s",
                title=action.title,
                owner=action.owner.name if action.owner else _("no owner"),
                date=format_date(action.due_date),
                status=status_label(action.status),
            )
            _line(pdf, 4.5, _latin1(line))
    return bytes(pdf.output())
