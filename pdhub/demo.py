"""Demo data for ``pdhub demo``: a district with two schools and one account per role.

Idempotent: running it again finds what exists and changes nothing. Staff accounts come
with two-factor sign-in enrolled (fixed, printed secrets) so the demo signs in exactly as
production does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import utcnow
from pdhub.districts.models import District, School
from pdhub.districts.service import new_join_code
from pdhub.learning.models import Lesson, Module
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
    review_accounts = seed_review_demo(session, district)
    return district, list(ACCOUNTS) + review_accounts


# --- review: teachers whose evidence waits for the demo coach ------------------------

REVIEW_ACCOUNTS = (
    DemoAccount(Role.TEACHER, "Leo Martinez", "leo@riverside.example.org",
                "harbor lantern maple seventh", school=SCHOOLS[1]),
    DemoAccount(Role.TEACHER, "Priya Shah", "priya@riverside.example.org",
                "orchard pencil river quiet", school=SCHOOLS[0]),
    DemoAccount(Role.TEACHER, "Sam Okafor", "sam@riverside.example.org",
                "window garden compass twelve", school=SCHOOLS[1]),
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


def _demo_module(session: Session) -> list[Module]:
    """Up to two current modules; when the catalog is empty, one is loaded from the
    modules/ folder so the review demo has a real rubric to score against."""
    modules = list(session.scalars(
        select(Module).where(Module.is_current).order_by(Module.slug).limit(2)))
    if modules:
        return modules
    from pathlib import Path

    import yaml
    from flask import current_app

    from pdhub.config import MIGRATIONS_PATH
    from pdhub.learning import packages

    root = Path(current_app.config.get("PDHUB_MODULES_PATH")
                or MIGRATIONS_PATH.parent / "modules")
    folder = root / "digital-equity-classroom"
    if not folder.is_dir():
        return []
    package = packages.load_package(folder)
    raw = yaml.safe_load((folder / "module.yaml").read_text(encoding="utf-8"))
    module = Module(
        slug=package.slug, version=package.version, is_current=True,
        content_hash=package.content_hash, title=package.title, summary=package.summary,
        competency=package.competency, hours=package.hours, topics=list(package.topics),
        grade_bands=list(package.grade_bands), key_method=raw["key_method"],
        research=raw["research"], resources=raw.get("resources", []),
        standards=raw["standards"], quiz=raw["quiz"], evidence=raw["evidence"],
        rubric=raw["rubric"], badge_name=package.badge.name,
        badge_description=package.badge.description, badge_image=package.badge.image,
        badge_media_type=package.badge.media_type, badge_alt=package.badge.alt,
        search_text=f"{package.title} {package.summary}".lower(),
    )
    session.add(module)
    session.flush()
    for position, lesson in enumerate(package.lessons, start=1):
        session.add(Lesson(module_id=module.id, position=position, slug=lesson.slug,
                           title=lesson.title, minutes=lesson.minutes,
                           body_markdown=lesson.body,
                           body_html=packages.render_markdown(lesson.body)))
    session.flush()
    return [module]


def seed_review_demo(session: Session, district: District) -> list[DemoAccount]:
    """Three teachers whose evidence was submitted: two wait in the demo coach's queue
    (one for a day and a half), one comes back as incomplete. The demo coach serves the
    whole district. Screening runs as it does in production: after the commit."""
    import secrets
    from datetime import timedelta

    from flask import current_app

    from pdhub import signals
    from pdhub.learning.models import Enrollment, QuizAttempt, QuizAttemptStatus
    from pdhub.review.files import write_artifact
    from pdhub.review.models import CoachAssignment
    from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
    from pdhub.submissions.states import SubmissionStatus

    coach = session.scalar(select(User).where(User.email == ACCOUNTS[1].email))
    if coach is not None and session.scalar(select(CoachAssignment.id).where(
            CoachAssignment.coach_id == coach.id)) is None:
        session.add(CoachAssignment(coach_id=coach.id, district_id=district.id))
    if session.scalar(select(User.id).where(User.email == REVIEW_ACCOUNTS[0].email)):
        return list(REVIEW_ACCOUNTS)
    modules = _demo_module(session)
    if not modules:
        print("Review demo skipped: no module in the catalog and none in modules/.")
        return []
    schools = {s.name: s for s in session.scalars(
        select(School).where(School.district_id == district.id))}
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = utcnow()
    plans = [  # (account, module, hours ago, complete)
        (REVIEW_ACCOUNTS[0], modules[0], 36, True),
        (REVIEW_ACCOUNTS[1], modules[-1], 5, True),
        (REVIEW_ACCOUNTS[2], modules[0], 2, False),
    ]
    for account, module, hours_ago, complete in plans:
        teacher = User(email=account.email, name=account.name, role=account.role,
                       password_hash=passwords.hash_password(account.password),
                       district_id=district.id,
                       school_id=schools[account.school].id if account.school else None)
        session.add(teacher)
        session.flush()
        enrollment = Enrollment(user_id=teacher.id, module_id=module.id)
        session.add(enrollment)
        session.flush()
        session.add(QuizAttempt(enrollment_id=enrollment.id, number=1, answers={},
                                status=QuizAttemptStatus.GRADED, graded_at=now,
                                score_percent=100, passed=True, results=[]))
        submitted_at = now - timedelta(hours=hours_ago)
        words = {"subject": "science", "students": 24, "grade": "seventh grade",
                 "mobile": 7, "before": 9, "after": 20}
        if account is REVIEW_ACCOUNTS[1]:
            context, reflection = _DEMO_CONTEXT_2, _DEMO_REFLECTION_2
        else:
            context = _DEMO_CONTEXT.format(**words)
            reflection = _DEMO_REFLECTION.format(**words)
        if not complete:
            context = context.replace("science", "history")
            reflection = "It went well and the students liked it."
        submission = Submission(
            enrollment_id=enrollment.id, status=SubmissionStatus.SUBMITTED,
            context_text=context, reflection_text=reflection,
            links=[{"url": "https://example.org/riverside/inventory-summary",
                    "title": "Class access inventory (summary)"}],
            submitted_at=submitted_at, status_changed_at=submitted_at)
        session.add(submission)
        session.flush()
        data = _demo_pdf("Redesigned lesson plan", [
            f"{module.title}", f"Teacher: {account.name}",
            "1. Research on paper in pairs (15 min): printed readings for everyone.",
            "2. Build the model on the laptop, roles rotate every 20 minutes.",
            "3. Test and explain: exit ticket on paper.",
            "Access changes: nothing needs home internet; phone-friendly handout.",
        ])
        import hashlib

        artifact = Artifact(submission_id=submission.id,
                            filename="redesigned-lesson-plan.pdf",
                            media_type="application/pdf", size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(),
                            storage_key=secrets.token_hex(16), uploaded_at=submitted_at)
        write_artifact(app, artifact.storage_key, data)
        session.add(artifact)
        session.flush()
        version = SubmissionVersion(
            submission_id=submission.id, number=1, context_text=context,
            reflection_text=reflection, links=list(submission.links),
            artifact_ids=[artifact.id], submitted_at=submitted_at)
        session.add(version)
        session.flush()
        signals.submission_submitted.send(session, version=version)
    return list(REVIEW_ACCOUNTS)
