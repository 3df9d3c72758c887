"""The core flow can be followed by reading it: direct calls instead of signals, one
constant per task name, one place that changes a submission's status, and model
attributes that never sign or bake."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from pdhub import jobs, tasks
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from pdhub.extensions import celery
from pdhub.submissions.states import IllegalTransition, SubmissionStatus, move
from tests.factories import AwardFactory, SubmissionFactory

ROOT = Path(__file__).resolve().parents[1]
CODE = ("pdhub", "workers", "bench")


def python_files(*folders: str) -> list[Path]:
    return [
        path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))
    ]


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


# --- 1. no signals: each step calls the next --------------------------------------


def test_no_feature_talks_through_signals_or_receivers() -> None:
    """Blinker signals hid the flow (two went from a feature back into itself);
    none removes an import cycle, so pdhub/signals.py and the receivers are gone."""
    found = []
    for path in python_files(*CODE):
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                for name in names
                if name.startswith(("blinker", "pdhub.signals"))
            ]
    assert found == []
    assert not (ROOT / "pdhub" / "signals.py").exists()
    assert [p.name for p in (ROOT / "pdhub").rglob("receivers.py")] == []


# --- 2. task names: one constant each ----------------------------------------------


def test_every_task_constant_names_a_registered_task_and_every_task_has_one(
    app: Flask,
) -> None:
    with app.app_context():
        for name in tasks.ALL:
            assert jobs.task(name).name == name
    registered = {name for name in celery.tasks if name.startswith("pdhub.")}
    assert registered == set(tasks.ALL)


def test_no_string_literal_names_a_task_outside_pdhub_tasks() -> None:
    """``jobs.enqueue(tasks.SCREEN_SUBMISSION, ...)``, never ``"pdhub.screen_..."``:
    an editor finds every use of a task from its constant."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
        for path in python_files(*CODE, "tests")
        if path != ROOT / "pdhub" / "tasks.py"
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in tasks.ALL
    ]
    assert found == []


def test_the_beat_schedule_runs_only_named_tasks() -> None:
    from workers import app as worker_app

    schedule = worker_app.celery.conf.beat_schedule
    assert {entry["task"] for entry in schedule.values()} <= tasks.ALL


# --- 3. one place changes a submission's status -----------------------------------


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def test_only_the_state_machine_writes_a_submission_status() -> None:
    states = ROOT / "pdhub" / "submissions" / "states.py"
    found = []
    for path in python_files(*CODE):
        if path == states:
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == "status"
                        and (
                            "SubmissionStatus" in _names(node.value or target)
                            or "submission" in ast.unparse(target.value).lower()
                        )
                    ):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.Call):
                # Submission(status=...) or update(Submission).values(status=...):
                # only the initial draft may be written outside the state machine.
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno}"
                    for keyword in node.keywords
                    if keyword.arg == "status"
                    and "SubmissionStatus" in _names(keyword.value)
                    and ast.unparse(keyword.value) != "SubmissionStatus.DRAFT"
                ]
    assert found == []


def test_the_state_machine_refuses_an_illegal_step_and_says_why(
    session: Session,
) -> None:
    submission = SubmissionFactory(status=SubmissionStatus.PASSED)
    with pytest.raises(IllegalTransition) as refused:
        move(submission, SubmissionStatus.SUBMITTED)
    assert str(refused.value.args[0]) == (
        "A submission that is passed can't become submitted."
    )
    assert submission.status is SubmissionStatus.PASSED
    draft = SubmissionFactory()
    move(draft, SubmissionStatus.SUBMITTED)
    assert draft.status is SubmissionStatus.SUBMITTED
    assert draft.status_changed_at is not None


# --- 4. reading a credential never signs or bakes -----------------------------------


def test_reading_a_credential_never_signs_or_bakes(session: Session) -> None:
    credential = credentials.issue_credential(session, AwardFactory().id)
    assert credential is not None
    credential.jwt_cache = credential.png_cache = credential.svg_cache = None
    session.flush()
    for name in dir(IssuedCredential):
        if isinstance(getattr(IssuedCredential, name, None), property):
            getattr(credential, name)
    assert (credential.jwt_cache, credential.png_cache, credential.svg_cache) == (
        None,
        None,
        None,
    )
    for attribute in ("jwt", "baked_png", "baked_svg"):
        assert not hasattr(credential, attribute)
    # The service makes each form once and keeps it.
    token = credentials.download(session, credential, "jwt")
    png = credentials.download(session, credential, "png")
    assert credential.jwt_cache == token.decode() and bytes(credential.png_cache) == png
    assert credentials.download(session, credential, "jwt") == token
