"""Demo data for ``pdhub demo``: a district with two schools and one account per role.

Idempotent: running it again finds what exists and changes nothing. Staff accounts come
with two-factor sign-in enrolled (fixed, printed secrets) so the demo signs in as
production does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District, School
from pdhub.districts.service import new_join_code
from pdhub.extensions import db
from pdhub.learning.models import Module
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
    #: The language the person reads PD Hub in ("es"), None for the default.
    language: str | None = None


ACCOUNTS = (
    DemoAccount(
        Role.TEACHER,
        "Maya Teacher",
        "teacher@riverside.example.org",
        "maple river lesson plan",
        school=SCHOOLS[0],
    ),
    DemoAccount(
        Role.COACH,
        "Carlos Coach",
        "coach@riverside.example.org",
        "coach feedback rubric sunrise",
        "JBSWY3DPEHPK3PXPCOACHAAA",
    ),
    DemoAccount(
        Role.DISTRICT_ADMIN,
        "Dana District",
        "district@riverside.example.org",
        "district harbor schedule lantern",
        "JBSWY3DPEHPK3PXPDISTRICT",
    ),
    DemoAccount(
        Role.SCHOOL_LEADER,
        "Sofia Leader",
        "leader@riverside.example.org",
        "school leader meadow bright",
        "JBSWY3DPEHPK3PXPLEADERAA",
        school=SCHOOLS[0],
    ),
    DemoAccount(
        Role.ADMIN,
        "Ada Admin",
        "admin@riverside.example.org",
        "platform admin cedar window",
        "JBSWY3DPEHPK3PXPADMINAAA",
    ),
)


def seed(session: DbSession) -> tuple[District, list[DemoAccount]]:
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
            # A demo made before addresses were confirmed: its accounts still work.
            if user.email_verified_at is None:
                user.email_verified_at = utcnow()
            continue
        user = User(
            email=account.email,
            name=account.name,
            password_hash=passwords.hash_password(account.password),
            role=account.role,
            district_id=None if account.role is Role.ADMIN else district.id,
            school_id=schools[account.school].id if account.school else None,
            email_verified_at=utcnow(),
        )
        if account.totp_secret:
            user.totp_secret = encryption.encrypt(account.totp_secret.encode())
            user.totp_enabled_at = utcnow()
        session.add(user)
    session.flush()
    return district, list(ACCOUNTS)


def prepare(session: DbSession, modules_path: Path | str) -> tuple[District, list[Any]]:
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
    seed_review_demo(session, district)
    seed_spanish_demo(session, district)
    seed_trust_demo(session, district)
    seed_roster_sync_demo(session, district)
    from pdhub.lti import demo as lti_demo

    lti_demo.seed(session, district)
    seed_assignments_demo(session, district)
    from pdhub.communities import demo as communities_demo

    communities_demo.seed(session)
    from pdhub.sharing import demo as sharing_demo

    sharing_demo.seed(session, CREDENTIAL_DEMO_MODULE)

    from pdhub.coaching import demo as coaching_demo
    from pdhub.cohorts import demo as cohorts_demo

    cohorts_demo.seed(session)
    coaching_demo.seed(session)
    seed_ledger_demo(session, district)
    from pdhub.equity import demo as equity_demo

    equity_demo.seed(session, district)
    from pdhub.impact import demo as impact_demo

    impact_demo.seed(session, district)

    from pdhub.learnpath import demo as learnpath_demo

    learnpath_demo.seed(session, district)

    seed_expiry_demo(session)
    from pdhub.pathways import demo as pathways_demo

    pathways_demo.seed(
        session,
        district,
        DEMO_MODULE,
        [CREDENTIAL_DEMO_MODULE, "udl-assistive-technology", "student-data-privacy"],
    )
    from pdhub.workshops import demo as workshops_demo

    workshops_demo.seed(session, district, ACCOUNTS[0].email)
    return district, imported


EXPIRY_DEMO_MODULE = "student-data-privacy"
_PRIVACY_CONTEXT = (
    "I teach seventh grade science to one hundred and twelve students in four "
    "sections. Our school uses a learning platform, a quiz app and a video tool, "
    "and families sign one consent form in August. When I audited my own routines "
    "I found that I post a photo of the class leaderboard on the wall each Friday, "
    "that two apps ask students to sign in with their school accounts and share "
    "their names with the vendor, and that I keep a spreadsheet of reading levels "
    "on a shared drive that the whole department can open. I wanted to know which "
    "of these were directory information, which needed the district's agreement "
    "with the vendor, and which I should simply stop doing."
)
_PRIVACY_REFLECTION = (
    "The audit changed three habits. I replaced the leaderboard photo with a chart "
    "that uses team names the students chose, so nobody's scores are on the wall. "
    "I checked the district's list of approved tools: the quiz app has an agreement "
    "that makes the vendor a school official, but the video tool does not, so we now "
    "use it without student accounts and I show the videos from my own login. The "
    "reading-level spreadsheet now lives in a folder only the two teachers who need "
    "it can open, and I removed the column with home addresses that nobody used. "
    "The hardest part was the app sign-ins: I had assumed that anything the school "
    "bought was approved, and two tools I liked were not. I asked our technology "
    "coordinator to review one of them, and she is asking the vendor for a data "
    "agreement. I also wrote a one-page note for families in plain words about what "
    "each tool collects and why, which three parents thanked me for at conferences. "
    "Next term I want to teach my students the same questions I asked myself, so "
    "they can judge for themselves which apps deserve their personal information, "
    "and I will repeat the audit every August before the first week of school."
)


def seed_expiry_demo(session: DbSession) -> None:
    """Leo holds the Student Data Privacy Steward badge, which the module makes valid
    for a year; it was earned eleven months ago, so it expires soon and he can renew
    it. Built through the services; its credential is issued as of then (once)."""
    from datetime import timedelta

    from pdhub.credentials import service as credentials
    from pdhub.credentials.models import Award
    from pdhub.learning import service as learning
    from pdhub.learning.models import Enrollment, Module
    from pdhub.review.screening import finish_screening

    teacher = session.scalar(select(User).where(User.email == REVIEW_ACCOUNTS[0].email))
    coach = session.scalar(select(User).where(User.email == ACCOUNTS[1].email))
    module = session.scalar(
        select(Module).where(
            Module.slug == EXPIRY_DEMO_MODULE, Module.is_current.is_(True)
        )
    )
    if teacher is None or coach is None or module is None:
        return
    if session.scalar(
        select(Enrollment.id).where(
            Enrollment.user_id == teacher.id, Enrollment.module_id == module.id
        )
    ):
        return
    enrollment = learning.enroll(session, teacher, module)
    _assign_coach(session, coach, teacher.district_id)
    _pass_knowledge_check(session, teacher, enrollment)
    submission = _submit_evidence(
        session,
        teacher,
        enrollment,
        context=_PRIVACY_CONTEXT,
        reflection=_PRIVACY_REFLECTION,
        links=[
            ("https://example.org/demo/privacy-audit", "My classroom privacy audit"),
            (
                "https://example.org/demo/family-note",
                "Note to families about our tools",
            ),
        ],
    )
    finish_screening(session, submission.versions[-1].id)
    _coach_passes(session, coach, submission)
    award = session.scalar(select(Award).where(Award.enrollment_id == enrollment.id))
    assert award is not None, "the privacy evidence no longer passes screening"
    credentials.issue_credential(
        session,
        award.id,
        at=utcnow() - timedelta(days=module.valid_for_days or 0) + timedelta(days=35),
    )


def seed_assignments_demo(session: DbSession, district: District) -> None:
    """Two assigned modules: one due in a few days, one overdue (once)."""
    from datetime import timedelta

    from pdhub.districts.models import Assignment, AssignmentTarget

    if session.scalar(
        select(Assignment.id).where(Assignment.district_id == district.id)
    ):
        return
    slugs = list(
        session.scalars(
            select(Module.slug).where(Module.is_current.is_(True)).order_by(Module.slug)
        )
    )
    if len(slugs) < 2:
        return
    today = utcnow().date()
    session.add_all(
        [
            Assignment(
                district_id=district.id,
                module_slug=slugs[-1],
                target=AssignmentTarget.EVERYONE,
                due_date=today + timedelta(days=3),
            ),
            Assignment(
                district_id=district.id,
                module_slug=slugs[-2],
                target=AssignmentTarget.EVERYONE,
                due_date=today - timedelta(days=5),
            ),
        ]
    )
    session.flush()


def seed_ledger_demo(session: DbSession, district: District) -> None:
    """Credit for the catalog's modules, and Maya's learning done elsewhere: a
    conference the district approved and a course waiting for its approval (once)."""
    from datetime import timedelta

    from pdhub.districts import external
    from pdhub.districts.models import ExternalLearning, ModuleCredit
    from pdhub.submissions.storage import file_store

    teacher = session.scalar(select(User).where(User.email == ACCOUNTS[0].email))
    admin = session.scalar(select(User).where(User.email == ACCOUNTS[2].email))
    if teacher is None or admin is None:
        return
    if session.scalar(
        select(ExternalLearning.id).where(ExternalLearning.user_id == teacher.id)
    ):
        return
    modules = session.execute(
        select(Module.slug, Module.hours)
        .where(Module.is_current.is_(True))
        .order_by(Module.slug)
    ).all()
    for index, (slug, hours) in enumerate(modules):
        session.add(
            ModuleCredit(
                district_id=district.id,
                module_slug=slug,
                salary=True,
                recertification=index % 2 == 0,
                units=hours,
            )
        )
    today = utcnow().date()
    items = [
        (
            "Regional STEM teaching conference",
            "Riverside County Office of Education",
            40,
            12.0,
            True,
        ),
        (
            "Teaching multilingual learners (online course)",
            "State University",
            12,
            9.5,
            False,
        ),
    ]
    for title, provider, days_ago, hours, approve in items:
        record = external.log(
            session,
            teacher,
            external.Details(
                title=title,
                provider=provider,
                started_on=today - timedelta(days=days_ago + 1),
                ended_on=today - timedelta(days=days_ago),
                hours=hours,
            ),
            external.Certificate(
                "certificate.pdf",
                _demo_pdf("Certificate of attendance", [title, provider, teacher.name]),
            ),
            file_store(),
            max_bytes=10 * 1024 * 1024,
            language="en",
        )
        if approve:
            external.decide(session, admin, record.id, approve=True)
    # The dashboard's hours target for this school year.
    from pdhub.districts import credit, dashboard, ledger

    year = ledger.current_year(district, credit.policy_for(session, district.id))
    dashboard.set_target(session, admin, district, year, 20.0)
    session.flush()


def seed_trust_demo(session: DbSession, district: District) -> None:
    """A state agency on the platform's trust list and a university on the demo
    district's, as the administrators would add them. Idempotent."""
    from pdhub.trust.models import TrustedIssuer

    for district_id, identifier, name in (
        (None, "did:web:education.state.example", "State Department of Education"),
        (district.id, "https://credentials.university.example", "Riverside University"),
    ):
        found = session.scalar(
            select(TrustedIssuer).where(
                TrustedIssuer.identifier == identifier,
                TrustedIssuer.district_id.is_(None)
                if district_id is None
                else TrustedIssuer.district_id == district_id,
            )
        )
        if found is None:
            session.add(
                TrustedIssuer(district_id=district_id, identifier=identifier, name=name)
            )
    session.flush()


def seed_roster_sync_demo(session: DbSession, district: District) -> None:
    """Dana's OneRoster connection, filled in as a district would (an example
    provider: "Preview sync now" explains that it cannot be found). Idempotent."""
    from pdhub.districts.models import RosterConnection, RosterSchedule

    if session.scalar(
        select(RosterConnection.id).where(RosterConnection.district_id == district.id)
    ):
        return
    dana = session.scalar(
        select(User).where(User.email == "district@riverside.example.org")
    )
    connection = RosterConnection(
        district_id=district.id,
        base_url="https://sis.riverside.example/ims/oneroster/rostering/v1p2",
        token_url="https://sis.riverside.example/oauth/token",  # noqa: S106
        client_id="pdhub-riverside",
        schedule=RosterSchedule.OFF,
        updated_by_id=dana.id if dana is not None else None,
    )
    connection.client_secret = "demo-secret-not-a-real-one"  # noqa: S105
    session.add(connection)
    session.flush()


# --- credentials --------------------------------------------------------------

CREDENTIAL_DEMO_MODULE = "digital-citizenship"


def _demo_module(session: DbSession) -> Any:
    """The current version of the demo badge's module (import the catalog first)."""
    from pdhub.learning.models import Module

    return session.scalar(
        select(Module).where(
            Module.slug == CREDENTIAL_DEMO_MODULE, Module.is_current.is_(True)
        )
    )


def seed_credentials_demo(session: DbSession) -> None:
    """Give the demo teacher a completed module and its badge, through the real
    services: she passes the knowledge check (graded by its task), submits evidence
    (screened by its task) and a coach passes it (review.service.decide), which
    completes the enrollment and records the Award, whose issuing task runs after the
    demo commits. Idempotent; an award whose issuing never ran is queued again."""
    from pdhub import jobs, tasks
    from pdhub.credentials import service as credentials
    from pdhub.credentials.models import Award
    from pdhub.learning import service as learning
    from pdhub.learning.models import Enrollment
    from pdhub.review.screening import finish_screening

    teacher = session.scalar(select(User).where(User.email == ACCOUNTS[0].email))
    coach = session.scalar(select(User).where(User.email == ACCOUNTS[1].email))
    if teacher is None or coach is None:
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
        enrollment = learning.enroll(session, teacher, module)
    _assign_coach(session, coach, teacher.district_id)
    earlier = session.scalar(select(Award).where(Award.enrollment_id == enrollment.id))
    if earlier is not None:
        if credentials.current_credential(session, earlier) is None:
            # An award whose issuing job never ran (say Redis was down): send it again.
            jobs.enqueue(tasks.ISSUE_CREDENTIAL, earlier.id)
        return
    from pdhub.impact import demo as impact_demo

    # She rated herself on the module's statements as she started it.
    impact_demo.answer_pre(session, teacher, enrollment)
    _pass_knowledge_check(session, teacher, enrollment)
    submission = _submit_evidence(
        session,
        teacher,
        enrollment,
        context=_DEMO_CONTEXT.format(**_WORDS),
        reflection=_DEMO_REFLECTION.format(**_WORDS),
        links=[
            # The teacher chose to show this link (URL and title) in the badge.
            (
                "https://example.org/demo/source-checking-slides",
                "Source-checking lesson slides",
            ),
            (
                "https://example.org/demo/source-checking-exit-tickets",
                "Exit tickets: checking a source (class summary)",
            ),
        ],
        share_in_badge=True,
    )
    # Her evidence was checked and passed long ago: screen it now, in this
    # transaction, rather than after the commit, so the coach can decide.
    finish_screening(session, submission.versions[-1].id)
    _coach_passes(session, coach, submission)
    # The Award is recorded; its issuing task runs after the demo commits.
    assert session.scalar(select(Award).where(Award.enrollment_id == enrollment.id))


def _assign_coach(session: DbSession, coach: User, district_id: int | None) -> None:
    """The demo coach serves the whole demo district (once)."""
    from pdhub.review.models import CoachAssignment

    if district_id is not None and not session.scalar(
        select(CoachAssignment.id).where(
            CoachAssignment.coach_id == coach.id,
            CoachAssignment.district_id == district_id,
        )
    ):
        session.add(CoachAssignment(coach_id=coach.id, district_id=district_id))
        session.flush()


_WORDS = {
    "subject": "history",
    "students": 24,
    "grade": "seventh grade",
    "mobile": 7,
    "before": 9,
    "after": 20,
}


def _right_answers(paper: Any) -> dict[str, list[str]]:
    """The knowledge-check form, filled in with every right answer."""
    from pdhub.learning.packages.model import QuestionType

    form: dict[str, list[str]] = {}
    for question in paper.questions:
        if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            form[f"q-{question.id}"] = sorted(question.correct_choice_ids)
        elif question.type is QuestionType.NUMERIC:
            form[f"q-{question.id}"] = [f"{question.answer:g}"]
        else:
            form[f"q-{question.id}"] = [question.accepted[0]]
    return form


def _pass_knowledge_check(session: DbSession, teacher: User, enrollment: Any) -> None:
    """The teacher answers her paper right; the grading task scores it at once."""
    from pdhub.learning import service as learning

    paper = learning.next_paper(session, enrollment)
    attempt = learning.submit_quiz(session, teacher, enrollment, _right_answers(paper))
    learning.grade_quiz_attempt(session, attempt.id)
    assert attempt.passed, "the demo's answers no longer pass the knowledge check"


def _submit_evidence(
    session: DbSession,
    teacher: User,
    enrollment: Any,
    *,
    context: str,
    reflection: str,
    links: list[tuple[str, str]],
    files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    share_in_badge: bool = False,
) -> Any:
    """Write, attach and submit evidence as the teacher does on the evidence page;
    submit queues its screening task."""
    from pdhub.submissions import service as submissions
    from pdhub.submissions.storage import file_store

    submission = submissions.get_or_create_draft(session, teacher, enrollment)
    submissions.save_text(
        session, teacher, submission, context=context, reflection=reflection
    )
    for url, title in links:
        submissions.add_link(session, teacher, submission, url=url, title=title)
    for filename, data in files:
        submissions.add_file(
            session,
            teacher,
            submission,
            file_store(),
            filename=filename,
            content=data,
            max_bytes=len(data),
        )
    if share_in_badge:
        submissions.set_share_in_badge(session, teacher, submission, True)
    submissions.submit(session, teacher, submission)
    return submission


def _coach_passes(session: DbSession, coach: User, submission: Any) -> None:
    """The coach claims the submission and passes it at a demonstrated level."""
    from pdhub.review import service as review
    from pdhub.review.models import Decision

    rubric = submission.enrollment.module.rubric
    level = next(level["id"] for level in rubric["levels"] if level["demonstrated"])
    review.claim(session, coach, submission)
    review.decide(
        session,
        coach,
        submission,
        scores={c["id"]: {"level": level} for c in rubric["criteria"]},
        overall_feedback="Clear plan, and the exit tickets show it worked.",
        decision=Decision.PASSED,
    )


DEMO_MODULE = "digital-equity-classroom"


def seed_learning(session: DbSession) -> None:
    """Give the demo teacher a module in progress with its first two lessons done.

    Needs the modules imported first; does nothing if the teacher is already enrolled
    or no module is there.
    """
    from pdhub.learning import service as learning
    from pdhub.learning.models import Module

    teacher_email = next(a.email for a in ACCOUNTS if a.role is Role.TEACHER)
    teacher = session.scalar(select(User).where(User.email == teacher_email))
    module = session.scalar(
        select(Module)
        .where(Module.is_current.is_(True))
        .order_by((Module.slug == DEMO_MODULE).desc(), Module.slug)
        .limit(1)
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
            list(ACCOUNTS) + list(REVIEW_ACCOUNTS) + list(SPANISH_ACCOUNTS),
            len(imported),
            sum(outcome.created for outcome in imported),
        )


# --- a teacher who reads PD Hub in Spanish -------------------------------------------

SPANISH_ACCOUNTS = (
    DemoAccount(
        Role.TEACHER,
        "Marisol Rivera",
        "marisol@riverside.example.org",
        "ceiba playa cuaderno lunes",
        school=SCHOOLS[0],
        language="es",
    ),
)


def seed_spanish_demo(session: DbSession, district: District) -> None:
    """Marisol, a teacher who reads PD Hub in Spanish, enrolled in the Spanish edition
    of the digital-equity module with nothing done yet: she walks the whole journey
    (lessons, knowledge check, evidence) and the demo coach reviews it in English.
    Idempotent."""
    from pdhub.learning import service as learning

    account = SPANISH_ACCOUNTS[0]
    teacher = session.scalar(select(User).where(User.email == account.email))
    if teacher is None:
        school = session.scalar(
            select(School).where(
                School.district_id == district.id, School.name == account.school
            )
        )
        teacher = User(
            email=account.email,
            name=account.name,
            role=account.role,
            password_hash=passwords.hash_password(account.password),
            district_id=district.id,
            school_id=school.id if school else None,
            email_verified_at=utcnow(),
        )
        session.add(teacher)
    # Her own choice: every page and email in Spanish, whatever the browser says.
    teacher.language = account.language
    session.flush()
    module = session.scalar(
        select(Module).where(Module.slug == DEMO_MODULE, Module.is_current.is_(True))
    )
    if module is None or learning.enrollment_for(session, teacher, DEMO_MODULE):
        return
    learning.enroll(session, teacher, module, account.language or "en")


# --- review: teachers whose evidence waits for the demo coach ------------------------

REVIEW_ACCOUNTS = (
    DemoAccount(
        Role.TEACHER,
        "Leo Martinez",
        "leo@riverside.example.org",
        "harbor lantern maple seventh",
        school=SCHOOLS[1],
    ),
    DemoAccount(
        Role.TEACHER,
        "Priya Shah",
        "priya@riverside.example.org",
        "orchard pencil river quiet",
        school=SCHOOLS[0],
    ),
    DemoAccount(
        Role.TEACHER,
        "Sam Okafor",
        "sam@riverside.example.org",
        "window garden compass twelve",
        school=SCHOOLS[1],
    ),
)

_DEMO_CONTEXT = (
    "I teach {subject} to {students} students in {grade}. Before this module I took an "
    "access inventory: {mobile} students only have a phone at home, six share one "
    "family laptop with siblings, and three have no home internet at all. In class we "
    "have a cart of fifteen laptops for two sections, so students share in pairs. "
    "Technology was mostly used for typing final drafts and taking online quizzes, "
    "which meant the students with the least access at home did the least creative "
    "work with it. My goal for the redesign was that every student would use the "
    "laptops actively to make something, and that nothing needed home internet to "
    "finish. I also wanted the students who usually wait for a device to start first, "
    "so I planned the offline parts of the task to come before the device parts and "
    "printed every reading so nobody depended on a screen to follow along."
)
_DEMO_REFLECTION = (
    "The biggest change was who used the technology. Before the redesign the same "
    "eight students did most of the work on the laptops while their partners watched. "
    "With assigned roles that rotated every twenty minutes, and with the research "
    "started on paper, every student spent time building the model on the laptop. "
    "The exit tickets showed the effect on learning: {before} of {students} students "
    "could explain the main idea before the unit and {after} could explain it "
    "afterwards, and the students with phone-only access at home did as well as their "
    "classmates because nothing had to be finished at home. What did not work was the "
    "timing: the first device rotation took too long, and two groups ran out of time "
    "to test their models. Next time I will set up the files on the laptops before "
    "class and give each pair a printed checklist, so the first minutes are spent on "
    "learning and not on logging in. I will also ask students which parts of the task "
    "they would rather do on paper, because several told me that planning on paper "
    "helped them think before they built anything. I shared the inventory summary "
    "with my team and we will plan the next unit the same way, starting from what our "
    "students actually have at home rather than what we assume they have. I want to "
    "keep measuring who touches the keyboard, because that simple count changed how I "
    "plan every lesson that uses the cart."
)

_DEMO_CONTEXT_2 = (
    "My fourth graders (twenty-six of them) write a short research report every "
    "term. When I surveyed families, I found that nine children use a parent's phone "
    "as their only device and four families have data limits that run out before the "
    "end of the month. Our classroom has six tablets and a weekly slot in the library "
    "computer room. Until now the report was typed at home, so the finished work "
    "mostly showed which families had a computer. I redesigned the report as a class "
    "museum: children gather facts with the tablets in small rotating groups, sketch "
    "their exhibit on paper, and record a one-minute audio guide in school."
)
_DEMO_REFLECTION_2 = (
    "Moving all of the device work into school hours made the biggest difference. "
    "Every child recorded an audio guide, including the nine who usually hand in a "
    "handwritten page because typing at home is not possible for them. Listening to "
    "the recordings told me far more about their understanding than the old typed "
    "reports did: children explained cause and effect in their own words, and I "
    "could hear which facts they had really understood. On the rubric for the "
    "report, twenty of twenty-six reached the expected level, compared with fourteen "
    "last term. Two things need work. The tablet rotation left one group idle while "
    "they waited, so next time each group will have a paper task ready for the "
    "waiting time. And I did not check early enough whether the quieter children had "
    "a turn at the recording; a simple tally sheet would have shown me that during "
    "the lesson instead of after it. I asked the children what helped them most, and "
    "most of them named the sketching on paper before recording, so I will keep it. "
    "I will share the museum format with the other fourth grade teachers, and we "
    "plan to use the library slot together so the tablets and the computers serve "
    "more children at once."
)


def _demo_pdf(title: str, lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _review_modules(session: DbSession) -> list[Module]:
    """The module the demo submissions answer (the digital-equity one, whose evidence
    requirements the demo texts are written for), from the imported catalog."""
    return list(
        session.scalars(
            select(Module)
            .where(Module.is_current)
            .order_by((Module.slug == DEMO_MODULE).desc(), Module.slug)
            .limit(1)
        )
    )


def seed_review_demo(session: DbSession, district: District) -> list[DemoAccount]:
    """Three teachers who submitted evidence through the real services: two wait in
    the demo coach's queue (one for a day and a half), and one comes back from
    screening as incomplete (her file was lost from storage before screening opened
    it). The demo coach serves
    the whole district. Screening runs as it does in production: after the commit."""
    from datetime import timedelta

    from pdhub.learning import service as learning

    coach = session.scalar(select(User).where(User.email == ACCOUNTS[1].email))
    if coach is not None:
        _assign_coach(session, coach, district.id)
    if session.scalar(select(User.id).where(User.email == REVIEW_ACCOUNTS[0].email)):
        # A demo made before addresses were confirmed: its accounts still work.
        session.execute(
            update(User)
            .where(
                User.email.in_([a.email for a in REVIEW_ACCOUNTS]),
                User.email_verified_at.is_(None),
            )
            .values(email_verified_at=utcnow())
        )
        return list(REVIEW_ACCOUNTS)
    modules = _review_modules(session)
    if not modules:
        print("Review demo skipped: no module in the catalog and none in modules/.")
        return []
    schools = {
        s.name: s
        for s in session.scalars(
            select(School).where(School.district_id == district.id)
        )
    }
    now = utcnow()
    plans = [  # (account, module, hours ago, complete)
        (REVIEW_ACCOUNTS[0], modules[0], 36, True),
        (REVIEW_ACCOUNTS[1], modules[-1], 5, True),
        (REVIEW_ACCOUNTS[2], modules[0], 2, False),
    ]
    for account, module, hours_ago, complete in plans:
        teacher = User(
            email=account.email,
            name=account.name,
            role=account.role,
            password_hash=passwords.hash_password(account.password),
            district_id=district.id,
            school_id=schools[account.school].id if account.school else None,
            email_verified_at=utcnow(),
        )
        session.add(teacher)
        session.flush()
        enrollment = learning.enroll(session, teacher, module)
        _pass_knowledge_check(session, teacher, enrollment)
        words = {**_WORDS, "subject": "science"}
        if account is REVIEW_ACCOUNTS[1]:
            context, reflection = _DEMO_CONTEXT_2, _DEMO_REFLECTION_2
        else:
            context = _DEMO_CONTEXT.format(**words)
            reflection = _DEMO_REFLECTION.format(**words)
        link = (
            "https://example.org/riverside/inventory-summary",
            "Class access inventory (summary)",
        )
        plan = _demo_pdf(
            "Redesigned lesson plan",
            [
                f"{module.title}",
                f"Teacher: {account.name}",
                "1. Research on paper in pairs (15 min): printed readings for all.",
                "2. Build the model on the laptop, roles rotate every 20 minutes.",
                "3. Test and explain: exit ticket on paper.",
                "Access changes: nothing needs home internet; phone-friendly handout.",
            ],
        )
        submission = _submit_evidence(
            session,
            teacher,
            enrollment,
            context=context,
            reflection=reflection,
            links=[link],
            files=[("redesigned-lesson-plan.pdf", plan)],
        )
        if not complete:
            # The evidence page checks everything it can; screening is the backstop
            # for what changes after: here the stored file is lost (as after a disk
            # fault) before screening opens it, so the evidence comes back to Sam
            # asking her to upload it again.
            from pdhub.submissions.storage import file_store

            for artifact in submission.artifacts:
                file_store().delete(artifact.storage_key)
        # How long ago the demo teacher submitted: the queue shows the wait.
        submitted_at = now - timedelta(hours=hours_ago)
        submission.submitted_at = submission.status_changed_at = submitted_at
        submission.versions[-1].submitted_at = submitted_at
    session.flush()
    return list(REVIEW_ACCOUNTS)
