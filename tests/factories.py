"""factory_boy factories with traits; they flush into the session, never commit."""

from __future__ import annotations

import factory
import pyotp
from factory.alchemy import SQLAlchemyModelFactory

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import utcnow
from pdhub.districts.models import District, School
from pdhub.districts.service import new_join_code
from pdhub.extensions import db

PASSWORD = "gentle orbit walnut teapot"
# Hashing is deliberately slow; hash the shared test password once.
PASSWORD_HASH = passwords.hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class DistrictFactory(BaseFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n}")
    join_code = factory.LazyFunction(new_join_code)


class SchoolFactory(BaseFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"School {n}")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person Number{n}")
    password_hash = PASSWORD_HASH
    role = Role.TEACHER
    district = factory.SubFactory(DistrictFactory)
    email_verified_at = factory.LazyFunction(utcnow)

    class Params:
        coach = factory.Trait(role=Role.COACH)
        district_admin = factory.Trait(role=Role.DISTRICT_ADMIN)
        school_leader = factory.Trait(role=Role.SCHOOL_LEADER)
        admin = factory.Trait(role=Role.ADMIN, district=None)

    @factory.post_generation
    def two_factor(
        obj: User, create: bool, extracted: object, **kwargs: object
    ) -> None:
        """Staff get a TOTP secret enrolled unless ``two_factor=False``; a teacher gets
        one with ``two_factor=True``. Read codes with ``totp_for(user)``."""
        from pdhub.privacy import encryption

        if extracted is False:
            return
        if extracted or obj.is_staff:
            secret = pyotp.random_base32()
            obj.totp_secret = encryption.encrypt(secret.encode())
            obj.totp_enabled_at = utcnow()
            db.session.flush()


def totp_for(user: User) -> pyotp.TOTP:
    from pdhub.accounts.service import totp_secret

    secret = totp_secret(user)
    assert secret is not None
    return pyotp.TOTP(secret)


# --- learning -------------------------------------------------------------------------

from pdhub.learning.models import (  # noqa: E402
    Enrollment,
    Lesson,
    Module,
    QuizAttempt,
    QuizAttemptStatus,
)
from pdhub.submissions.models import Submission  # noqa: E402
from pdhub.submissions.states import SubmissionStatus  # noqa: E402

LEVELS = [
    {"id": "not-yet", "name": "Not yet", "demonstrated": False},
    {"id": "developing", "name": "Developing", "demonstrated": False},
    {"id": "proficient", "name": "Proficient", "demonstrated": True},
    {"id": "exemplary", "name": "Exemplary", "demonstrated": True},
]


def _criterion(cid: str, maps_to: str) -> dict[str, object]:
    return {
        "id": cid,
        "name": cid.replace("-", " ").title(),
        "description": f"About {cid}.",
        "maps_to": maps_to,
        "levels": {level["id"]: f"{level['name']} {cid}." for level in LEVELS},
    }


class ModuleFactory(BaseFactory):
    """A small but complete module version, in the shape module.yaml sections have."""

    class Meta:
        model = Module

    slug = factory.Sequence(lambda n: f"module-{n}")
    version = 1
    is_current = True
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    title = factory.Sequence(lambda n: f"Module number {n}")
    summary = "A short module for tests."
    competency = "The educator practises a thing in class."
    hours = 3.0
    topics = factory.LazyFunction(lambda: ["digital-equity"])
    grade_bands = factory.LazyFunction(lambda: ["6-8", "9-12"])
    key_method = factory.LazyFunction(
        lambda: {
            "summary": "Plan, teach, reflect.",
            "components": [
                {"title": "Plan", "description": "Plan it."},
                {"title": "Teach", "description": "Teach it."},
            ],
        }
    )
    research = factory.LazyFunction(lambda: [{"citation": "Someone (2020). A study."}])
    resources = factory.LazyFunction(list)
    standards = factory.LazyFunction(
        lambda: [
            {
                "framework": "ISTE Standards for Educators",
                "code": "2.5.a",
                "name": "Designer",
                "url": "https://iste.org/standards/educators#2.5.a",
            }
        ]
    )
    quiz = factory.LazyFunction(
        lambda: {
            "passing_score": 80,
            "max_attempts": 3,
            "questions": [
                {
                    "id": "q1",
                    "type": "single",
                    "prompt": "Pick a.",
                    "choices": [
                        {"id": "a", "text": "A", "correct": True},
                        {"id": "b", "text": "B"},
                    ],
                    "feedback": {"correct": "Yes.", "incorrect": "It is a."},
                },
                {
                    "id": "q2",
                    "type": "numeric",
                    "prompt": "Two plus two?",
                    "answer": 4,
                    "tolerance": 0,
                    "feedback": {"correct": "Yes.", "incorrect": "It is 4."},
                },
            ],
        }
    )
    evidence = factory.LazyFunction(
        lambda: {
            "overview": "Show your practice.",
            "context": {"prompt": "Describe your class.", "min_words": 20},
            "artifacts": {
                "prompt": "Upload a lesson plan.",
                "min_items": 1,
                "examples": ["Lesson plan"],
            },
            "reflection": {"prompt": "Reflect.", "min_words": 30},
            "guidelines": ["Remove student names."],
        }
    )
    rubric = factory.LazyFunction(
        lambda: {
            "levels": LEVELS,
            "criteria": [
                _criterion("context", "context"),
                _criterion("artifacts", "artifacts"),
                _criterion("reflection", "reflection"),
            ],
            "passing": {"min_criteria_demonstrated": 3},
        }
    )
    badge_name = factory.LazyAttribute(lambda o: f"{o.title} badge")
    badge_description = "Awarded for practice."
    badge_image = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        b'<circle cx="5" cy="5" r="4"/></svg>'
    )
    badge_media_type = "image/svg+xml"
    badge_alt = "A round badge."
    search_text = factory.LazyAttribute(lambda o: f"{o.title} {o.summary}".lower())

    @factory.post_generation
    def lessons(obj: Module, create: bool, extracted: object, **kwargs: object) -> None:
        count = 3 if extracted is None else int(extracted)  # type: ignore[arg-type]
        for position in range(1, count + 1):
            LessonFactory(module=obj, position=position)


class LessonFactory(BaseFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory, lessons=0)
    position = factory.Sequence(lambda n: n + 1)
    slug = factory.LazyAttribute(lambda o: f"lesson-{o.position}")
    title = factory.LazyAttribute(lambda o: f"Lesson {o.position}")
    minutes = 20
    body_markdown = "Some **useful** text."
    body_html = "<p>Some <strong>useful</strong> text.</p>"


class EnrollmentFactory(BaseFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    module = factory.SubFactory(ModuleFactory)


class QuizAttemptFactory(BaseFactory):
    class Meta:
        model = QuizAttempt

    enrollment = factory.SubFactory(EnrollmentFactory)
    number = factory.Sequence(lambda n: n + 1)
    answers = factory.LazyFunction(lambda: {"q1": "a", "q2": "4"})
    status = QuizAttemptStatus.GRADED
    score_percent = 100
    passed = True
    results = factory.LazyFunction(list)


class SubmissionFactory(BaseFactory):
    class Meta:
        model = Submission

    enrollment = factory.SubFactory(EnrollmentFactory)
    status = SubmissionStatus.DRAFT
    context_text = "My class has twenty-four seventh graders who share twelve laptops."
    reflection_text = "I learned that planning for offline work made the lesson fair."
    links = factory.LazyFunction(list)

    class Params:
        # Saved and sent to screening (with version 1, see _submitted_version).
        submitted = factory.Trait(
            status=SubmissionStatus.SUBMITTED, submitted_at=factory.LazyFunction(utcnow)
        )
        # Screened as complete and waiting in the coach queue.
        in_review = factory.Trait(
            status=SubmissionStatus.IN_REVIEW, submitted_at=factory.LazyFunction(utcnow)
        )

    @factory.post_generation
    def version(
        obj: Submission, create: bool, extracted: object, **kwargs: object
    ) -> None:
        """A submission past DRAFT gets its first version unless ``version=False``."""
        if extracted is False or obj.status is SubmissionStatus.DRAFT:
            return
        SubmissionVersionFactory(
            submission=obj,  # noqa: F821 - defined below
            submitted_at=obj.submitted_at or utcnow(),
            **kwargs,
        )


# --- credentials ----------------------------------------------------------------------

from pdhub.credentials.models import Award  # noqa: E402
from pdhub.learning.models import EnrollmentStatus  # noqa: E402


class AwardFactory(BaseFactory):
    """An Award for a completed enrollment (made directly: no signal, no credential)."""

    class Meta:
        model = Award

    enrollment = factory.SubFactory(
        EnrollmentFactory,
        status=EnrollmentStatus.COMPLETED,
        completed_at=factory.LazyFunction(utcnow),
    )
    user = factory.LazyAttribute(lambda o: o.enrollment.user)
    module = factory.LazyAttribute(lambda o: o.enrollment.module)


# --- review ---------------------------------------------------------------------------

import hashlib  # noqa: E402
import secrets  # noqa: E402

from pdhub.review.models import CoachAssignment  # noqa: E402
from pdhub.submissions.models import Artifact, SubmissionVersion  # noqa: E402

#: A tiny but real PDF (the type check reads the content, not the name).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages"
    b"/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class SubmissionVersionFactory(BaseFactory):
    """The snapshot a submit takes; copies its submission's draft by default."""

    class Meta:
        model = SubmissionVersion

    submission = factory.SubFactory("tests.factories.SubmissionFactory")
    number = 1
    context_text = factory.LazyAttribute(lambda o: o.submission.context_text)
    reflection_text = factory.LazyAttribute(lambda o: o.submission.reflection_text)
    links = factory.LazyAttribute(lambda o: list(o.submission.links))
    artifact_ids = factory.LazyFunction(list)
    submitted_at = factory.LazyFunction(utcnow)


class ArtifactFactory(BaseFactory):
    """An evidence file whose bytes are stored encrypted in the instance's uploads/
    (pass ``content=b"..."``; a small PDF by default)."""

    class Meta:
        model = Artifact

    submission = factory.SubFactory("tests.factories.SubmissionFactory")
    filename = "lesson-plan.pdf"
    media_type = "application/pdf"
    size = 0
    sha256 = ""
    storage_key = factory.LazyFunction(lambda: secrets.token_hex(16))

    @factory.post_generation
    def content(
        obj: Artifact, create: bool, extracted: object, **kwargs: object
    ) -> None:
        from pdhub.submissions.storage import file_store

        data = PDF_BYTES if extracted is None else bytes(extracted)  # type: ignore[arg-type]
        obj.size = len(data)
        obj.sha256 = hashlib.sha256(data).hexdigest()
        obj.storage_key = file_store().save(data)
        db.session.flush()


class CoachAssignmentFactory(BaseFactory):
    class Meta:
        model = CoachAssignment

    coach = factory.SubFactory(UserFactory, coach=True)
    district = factory.LazyAttribute(lambda o: o.coach.district)
    school = None
