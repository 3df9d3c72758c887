"""Reacting to other features: an Award recorded means a credential to issue."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pdhub import jobs, signals
from pdhub.credentials.models import Award


def _on_award_recorded(session: Session, award: Award, **_: Any) -> None:
    # Issued by a task after commit: signing and baking stay out of the request, and
    # a rolled-back award never gets a credential.
    jobs.enqueue("pdhub.issue_credential", award.id)


signals.award_recorded.connect(_on_award_recorded)
