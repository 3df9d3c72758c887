"""The beat task reminds an equity plan action's owner once per stage, in the owner's
language, however often it runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pdhub import jobs, tasks
from pdhub.db import utcnow
from pdhub.equity.models import (
    EquityAction,
    EquityActionReminder,
    EquityCycle,
    EquityTeamMember,
    TeamRole,
)
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage
from tests.factories import UserFactory
from tests.workers.conftest import Worker, wait_until

pytestmark = pytest.mark.worker


def test_the_worker_reminds_an_owner_once_in_their_language(worker: Worker) -> None:
    with worker.app.app_context():
        owner = UserFactory(language="es", name="Lucía Rivera", coach=True)
        db.session.add(
            EquityTeamMember(
                district_id=owner.district_id, user_id=owner.id, role=TeamRole.MEMBER
            )
        )
        cycle = EquityCycle(
            district_id=owner.district_id, name="Otoño", instrument_version="2026.1"
        )
        db.session.add(cycle)
        db.session.flush()
        db.session.add(
            EquityAction(
                cycle_id=cycle.id, area_id="classroom", title="Pedir puntos wifi",
                owner_id=owner.id, due_date=utcnow().date() + timedelta(days=1),
            )
        )  # fmt: skip
        db.session.commit()
        email = owner.email
        db.session.remove()
    with worker.app.app_context():
        jobs.send_now(tasks.SEND_EQUITY_REMINDERS)
        jobs.send_now(tasks.SEND_EQUITY_REMINDERS)

    def sent() -> str | None:
        with worker.app.app_context():
            try:
                return db.session.scalar(
                    select(EmailMessage.subject).where(
                        EmailMessage.to == email, EmailMessage.sent_at.is_not(None)
                    )
                )
            finally:
                db.session.remove()

    assert wait_until(sent, 60) == "Vence pronto: Pedir puntos wifi"
    with worker.app.app_context():
        try:
            assert db.session.scalar(select(func.count(EquityActionReminder.id))) == 1
            assert (
                db.session.scalar(
                    select(func.count(EmailMessage.id)).where(EmailMessage.to == email)
                )
                == 1
            )
        finally:
            db.session.remove()
