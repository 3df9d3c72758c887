"""The core flow can be followed by reading it: direct calls instead of signals, one
constant per task name, one place that changes a submission's status, and model
attributes that never sign or bake."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
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


# --- 5. one way to tell people, one way to save, no view borrows another's ----------


def test_telling_someone_twice_makes_one_notification_and_one_email(
    session: Session,
) -> None:
    from pdhub.notifications.models import EmailMessage, Notification
    from pdhub.notifications.service import Message, tell
    from tests.factories import UserFactory

    teacher = UserFactory()

    def news() -> Message:
        return Message(
            key="test:news",
            to=teacher,
            text="Your badge is ready.",
            link="/badges",
            subject="Your badge is ready",
            template="password_reset",
            context={"user": teacher, "link": "http://x"},
        )

    invite = Message(
        key="test:invite",
        to="new.person@example.org",
        subject="You're invited",
        template="password_reset",
        context={"user": teacher, "link": "http://y"},
    )
    first = tell(session, news(), invite)
    again = tell(session, news(), invite)  # a job that reruns
    assert len(first) == 2 and again == []
    notes = session.scalars(select(Notification)).all()
    assert [(n.user_id, n.message, n.link) for n in notes] == [
        (teacher.id, "Your badge is ready.", "/badges")
    ]
    mails = session.scalars(select(EmailMessage).order_by(EmailMessage.id)).all()
    assert [m.to for m in mails] == [teacher.email, "new.person@example.org"]
    assert jobs.pending(session()) == [(tasks.DELIVER_EMAILS, (first,), None)]


def _product_modules() -> list[tuple[Path, ast.Module]]:
    return [(path, parsed(path)) for path in python_files("pdhub", "workers")]


def test_only_the_notifications_service_writes_notifications_and_emails() -> None:
    own = ROOT / "pdhub" / "notifications" / "service.py"
    gone = {"notify", "notify_many", "queue_email", "queue_emails", "Note", "Mail"}
    found = []
    for path, tree in _product_modules():
        for node in ast.walk(tree):
            if (
                path != own
                and isinstance(node, ast.Call)
                and ast.unparse(node.func).split(".")[-1]
                in {"Notification", "EmailMessage"}
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} creates a row")
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and "notif" in (node.module)
            ):
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name}"
                    for alias in node.names
                    if alias.name in gone
                ]
    assert found == []
    import pdhub.notifications.service as notifications
    from pdhub.review import notices

    assert not gone & set(vars(notifications))
    assert not {"Tell", "tell_teacher", "tell_teachers"} & set(vars(notices))


def test_no_view_module_imports_another_blueprints_views() -> None:
    found = []
    for path in sorted((ROOT / "pdhub").glob("*/views.py")):
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(
                ".views"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert found == []


def test_views_save_through_one_helper() -> None:
    """``with saving(form) as saved:`` commits, or rolls back and shows the error;
    no view writes its own rollback."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "pdhub").glob("*/views.py"))
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(".rollback")
    ]
    assert found == []
    uses = sum(
        ast.unparse(node.func) == "saving"
        for path in sorted((ROOT / "pdhub").glob("*/views.py"))
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Call)
    )
    assert uses >= 25  # the 27 hand-written copies, merged where a view had two


def test_saving_rolls_back_and_shows_the_error_or_commits(
    app: Flask, session: Session
) -> None:
    from flask import get_flashed_messages

    from pdhub.accounts.models import User
    from pdhub.errors import InvalidInput
    from pdhub.forms import saving
    from tests.factories import UserFactory

    user = UserFactory(name="Before")
    session.commit()
    with app.test_request_context():
        with saving() as saved:
            user.name = "After"
            raise InvalidInput("That name is taken.")
        assert saved.error is not None and not saved.ok
        assert get_flashed_messages() == ["That name is taken."]
        session.expire_all()
        assert session.get(User, user.id).name == "Before"
        with saving() as saved:
            session.get(User, user.id).name = "Kept"
        assert saved.ok
        session.expire_all()
        assert session.get(User, user.id).name == "Kept"
