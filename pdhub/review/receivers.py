"""Reacting to other features: a submitted version is sent to screening after commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pdhub import jobs, signals
from pdhub.submissions.models import SubmissionVersion


def _on_submitted(session: Session, version: SubmissionVersion, **_: Any) -> None:
    if version.id is None:
        session.flush()
    jobs.enqueue("pdhub.screen_submission", version.id)


signals.submission_submitted.connect(_on_submitted)
