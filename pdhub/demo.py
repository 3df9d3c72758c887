"""Demo data for ``pdhub demo``: a district with two schools and one account per role.

Idempotent: running it again finds what exists and changes nothing. Staff accounts come
with two-factor sign-in enrolled (fixed, printed secrets) so the demo signs in exactly as
production does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import utcnow
from pdhub.districts.models import District, School
from pdhub.districts.service import new_join_code
from pdhub.extensions import db
from pdhub.privacy import encryption

DISTRICT_NAME = "Riverside Unified School District"
SCHOOLS = ("Riverside Elementary School", "Lakeview Middle School")


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    name: str
    email: str
    password: str
    totp_secret: str | None = None
    school: str | None = None


ACCOUNTS = (
    DemoAccount(Role.TEACHER, "Maya Teacher", "teacher@riverside.example.org",
                "maple river lesson plan", school=SCHOOLS[0]),
    DemoAccount(Role.COACH, "Carlos Coach", "coach@riverside.example.org",
                "coach feedback rubric sunrise", "JBSWY3DPEHPK3PXPCOACHAAA"),
    DemoAccount(Role.DISTRICT_ADMIN, "Dana District", "district@riverside.example.org",
                "district harbor schedule lantern", "JBSWY3DPEHPK3PXPDISTRICT"),
    DemoAccount(Role.ADMIN, "Ada Admin", "admin@riverside.example.org",
                "platform admin cedar window", "JBSWY3DPEHPK3PXPADMINAAA"),
)


def seed(session: Session) -> tuple[District, list[DemoAccount]]:
    """Create the demo district, schools and accounts if missing; flush, no commit."""
    district = session.scalar(select(District).where(District.name == DISTRICT_NAME))
    if district is None:
        district = District(name=DISTRICT_NAME, join_code=new_join_code())
        session.add(district)
        session.flush()
    schools = {}
    for name in SCHOOLS:
        school = session.scalar(
            select(School).where(School.district_id == district.id, School.name == name)
        )
        if school is None:
            school = School(district_id=district.id, name=name)
            session.add(school)
            session.flush()
        schools[name] = school
    for account in ACCOUNTS:
        user = session.scalar(select(User).where(User.email == account.email))
        if user is not None:
            continue
        user = User(
            email=account.email,
            name=account.name,
            password_hash=passwords.hash_password(account.password),
            role=account.role,
            district_id=None if account.role is Role.ADMIN else district.id,
            school_id=schools[account.school].id if account.school else None,
        )
        if account.totp_secret:
            user.totp_secret = encryption.encrypt(account.totp_secret.encode())
            user.totp_enabled_at = utcnow()
        session.add(user)
    session.flush()
    return district, list(ACCOUNTS)


def prepare(session: Session, modules_path: Path | str) -> tuple[District, list[Any]]:
    """Everything ``pdhub demo`` sets up, in order: accounts, the module catalog, a
    teacher mid-way through one module and holding the badge of another. Idempotent."""
    from pdhub.learning import importer

    district, _ = seed(session)
    imported = [
        importer.import_folder(session, folder)
        for folder in importer.package_folders(modules_path)
    ]
    seed_learning(session)
    seed_credentials_demo(session)
    return district, imported


# --- credentials --------------------------------------------------------------

CREDENTIAL_DEMO_MODULE = "digital-citizenship"


def _demo_module(session: Session) -> Any:
    """The current version of the demo badge's module (import the catalog first)."""
    from pdhub.learning.models import Module

    return session.scalar(
        select(Module).where(
            Module.slug == CREDENTIAL_DEMO_MODULE, Module.is_current.is_(True)
        )
    )


def seed_credentials_demo(session: Session) -> None:
    """Give the demo teacher a completed module and its badge, through the real
    services: a passed knowledge check and evidence complete the enrollment, which
    records the Award, whose issuing job runs after the demo commits. Idempotent."""
    from pdhub import jobs
    from pdhub.credentials import service as credentials
    from pdhub.credentials.models import Award
    from pdhub.learning.completion import complete_if_done
    from pdhub.learning.models import Enrollment, QuizAttempt, QuizAttemptStatus
    from pdhub.submissions.models import Submission
    from pdhub.submissions.states import SubmissionStatus

    teacher = session.scalar(select(User).where(User.email == ACCOUNTS[0].email))
    if teacher is None:
        return
    module = _demo_module(session)
    if module is None:
        return
    enrollment = session.scalar(
        select(Enrollment).where(
            Enrollment.user_id == teacher.id, Enrollment.module_id == module.id
        )
    )
    if enrollment is None:
        enrollment = Enrollment(user_id=teacher.id, module_id=module.id)
        session.add(enrollment)
        session.flush()
    if not session.scalar(select(QuizAttempt.id).where(
            QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.passed.is_(True))):
        session.add(QuizAttempt(
            enrollment_id=enrollment.id, number=1, answers={},
            status=QuizAttemptStatus.GRADED, graded_at=utcnow(), score_percent=100,
            passed=True, results=[],
        ))
    submission = session.scalar(
        select(Submission).where(Submission.enrollment_id == enrollment.id)
    )
    if submission is None:
        session.add(Submission(
            enrollment_id=enrollment.id, status=SubmissionStatus.PASSED,
            context_text="My seventh graders share twelve laptops across two classes.",
            reflection_text="Teaching source checking inside our history unit worked.",
            submitted_at=utcnow(),
        ))
    session.flush()
    earlier = session.scalar(select(Award).where(Award.enrollment_id == enrollment.id))
    award = complete_if_done(session, enrollment)  # a new award enqueues its issuing
    if earlier is not None and credentials.current_credential(session, earlier) is None:
        # An award whose issuing job never ran (say Redis was down): send it again.
        jobs.enqueue("pdhub.issue_credential", earlier.id)
    assert award is not None

DEMO_MODULE = "digital-equity-classroom"


def seed_learning(session: Session) -> None:
    """Give the demo teacher a module in progress with its first two lessons done.

    Needs the modules imported first; does nothing if the teacher is already enrolled
    or no module is there.
    """
    from pdhub.learning import service as learning
    from pdhub.learning.models import Module

    teacher_email = next(a.email for a in ACCOUNTS if a.role is Role.TEACHER)
    teacher = session.scalar(select(User).where(User.email == teacher_email))
    module = session.scalar(
        select(Module).where(Module.is_current.is_(True))
        .order_by((Module.slug == DEMO_MODULE).desc(), Module.slug).limit(1)
    )
    if teacher is None or module is None:
        return
    if learning.enrollment_for(session, teacher, module.slug) is not None:
        return
    enrollment = learning.enroll(session, teacher, module)
    for lesson in module.lessons[:2]:
        learning.complete_lesson(session, teacher, enrollment, lesson)

@dataclass(frozen=True)
class DemoSite:
    """What ``pdhub demo`` prints: the demo district and the sign-ins."""

    district_name: str
    join_code: str
    accounts: list[DemoAccount]
    modules: int
    modules_changed: int


def prepare_demo(app: Flask) -> DemoSite:
    """Bring ``app``'s database to the demo state and commit: what ``pdhub demo`` does
    before it serves (migrations, then every feature's demo data, each idempotent).

    Features that add demo data hook it in here, so the command and the browser tests
    that run it see the same site.
    """
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        district, imported = prepare(db.session, app.config["PDHUB_MODULES_PATH"])
        db.session.commit()  # jobs queued by the demo data (issuing) run after this
        return DemoSite(
            district.name,
            district.join_code,
            list(ACCOUNTS),
            len(imported),
            sum(outcome.created for outcome in imported),
        )
